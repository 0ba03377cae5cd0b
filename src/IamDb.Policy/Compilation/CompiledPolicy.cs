using IamDb.Policy.Model;

namespace IamDb.Policy.Compilation;

/// <summary>
/// A policy document compiled for evaluation: immutable, thread-safe, built once and evaluated many times.
/// Statements that cannot be compiled are listed in <see cref="Errors"/> and skipped.
/// </summary>
public sealed class CompiledPolicy
{
    private CompiledPolicy(PolicyDocument document, PolicyKind kind, string name, string? arn)
    {
        Document = document;
        Kind = kind;
        Name = name;
        Arn = arn;
    }

    /// <summary>The policy name (managed policy name, inline policy name, or a label such as <c>trust policy</c>).</summary>
    public string Name { get; }

    /// <summary>The managed policy ARN; null for inline and other unnamed policies.</summary>
    public string? Arn { get; }

    /// <summary>The role the policy plays.</summary>
    public PolicyKind Kind { get; }

    /// <summary>The source document.</summary>
    public PolicyDocument Document { get; }

    /// <summary>Statements that could not be compiled (normally none: the parser rejects such documents).</summary>
    public IReadOnlyList<PolicyCompileError> Errors { get; private set; } = [];

    internal CompiledStatement[] Statements { get; private set; } = [];

    internal StatementIndex Allows { get; private set; } = null!;

    internal StatementIndex Denies { get; private set; } = null!;

    /// <summary>Compiles <paramref name="document"/> as a policy of <paramref name="kind"/>.</summary>
    /// <param name="document">The parsed document.</param>
    /// <param name="kind">The role the policy plays in evaluation.</param>
    /// <param name="name">A name for diagnostics.</param>
    /// <param name="arn">The managed policy ARN, when there is one (it appears in AccessDenied messages).</param>
    public static CompiledPolicy Compile(PolicyDocument document, PolicyKind kind, string name, string? arn = null)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(name);
        var policy = new CompiledPolicy(document, kind, name, arn);
        var statements = new CompiledStatement[document.Statements.Count];
        var errors = new List<PolicyCompileError>();
        for (var i = 0; i < statements.Length; i++)
        {
            statements[i] = CompileStatement(policy, i, document.Statements[i], document.SupportsPolicyVariables);
            if (statements[i].Error is { } error)
            {
                errors.Add(new PolicyCompileError(i, statements[i].Sid, error));
            }
        }

        var valid = statements.Where(s => s.Error is null).ToArray();
        policy.Statements = statements;
        policy.Errors = errors;
        policy.Allows = new StatementIndex([.. valid.Where(s => s.Effect == PolicyEffect.Allow)]);
        policy.Denies = new StatementIndex([.. valid.Where(s => s.Effect == PolicyEffect.Deny)]);
        return policy;
    }

    private static CompiledStatement CompileStatement(CompiledPolicy policy, int index, PolicyStatement source, bool variables)
    {
        string? error = null;
        var takesPrincipal = policy.Kind is PolicyKind.ResourceBased or PolicyKind.TrustPolicy;
        if (takesPrincipal && source.Principal is null)
        {
            error = "a resource-based policy statement needs a `Principal` or `NotPrincipal`";
        }
        else if (!takesPrincipal && source.Principal is not null)
        {
            error = $"a {policy.Kind} policy statement must not have a `Principal`";
        }
        else if (source.Resource is null && policy.Kind != PolicyKind.TrustPolicy)
        {
            error = "the statement needs a `Resource` or `NotResource`";
        }
        else if (source.Resource is not null && policy.Kind == PolicyKind.TrustPolicy)
        {
            error = "a trust policy statement must not have a `Resource`";
        }

        var conditions = new List<CompiledCondition>(source.Conditions.Count);
        foreach (var entry in source.Conditions)
        {
            var condition = CompiledCondition.Compile(entry, variables, out var conditionError);
            if (condition is null)
            {
                error ??= conditionError;
                continue;
            }

            conditions.Add(condition);
        }

        return new CompiledStatement(
            policy,
            index,
            source,
            new ActionMatcher(source.Action),
            source.Resource is null ? null : new ResourceMatcher(source.Resource, variables),
            source.Principal is null ? null : new PrincipalMatcher(source.Principal),
            [.. conditions],
            error);
    }
}
