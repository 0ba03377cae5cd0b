using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using IamDb.Aws.Errors;
using IamDb.Aws.Identifiers;
using IamDb.Aws.Query;
using IamDb.Broker.Actions;
using IamDb.Broker.Actions.Iam;
using IamDb.Broker.Actions.Iam.Reports;
using IamDb.Broker.Authorization;
using IamDb.Broker.Requests;
using IamDb.Broker.Secrets;
using IamDb.Broker.State;
using IamDb.Broker.State.Sql;
using IamDb.Policy.Authorization;
using IamDb.Policy.Evaluation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace IamDb.Broker.Tests.Actions.Iam;

/// <summary>One rendered IAM response: the XML body, the error (if any) and the authorizations the handler asked for.</summary>
internal sealed record IamResponse(string Action, string Xml, AwsError? Error, IReadOnlyList<(string Action, string Resource)> Authorizations)
{
    public bool Succeeded => Error is null;

    /// <summary>The text of the first element at a slash-separated path below <c>{Action}Result</c> (namespaces ignored).</summary>
    public string? Value(string path) => Find(path)?.Value;

    /// <summary>The texts of every element matching the last path segment below the parent path.</summary>
    public IReadOnlyList<string> Values(string path)
    {
        var slash = path.LastIndexOf('/');
        var parent = slash < 0 ? Result : Find(path[..slash]);
        var name = path[(slash + 1)..];
        return parent is null ? [] : [.. parent.Elements().Where(e => e.Name.LocalName == name).Select(e => e.Value)];
    }

    public XElement? Result => XDocument.Parse(Xml).Root!.Elements().FirstOrDefault(e => e.Name.LocalName == Action + "Result");

    private XElement? Find(string path)
    {
        var current = Result;
        foreach (var segment in path.Split('/'))
        {
            current = current?.Elements().FirstOrDefault(e => e.Name.LocalName == segment);
        }

        return current;
    }

    /// <summary>Asserts the call succeeded and returns itself.</summary>
    public IamResponse Ok()
    {
        Assert.True(Succeeded, $"{Action} failed: {Error}");
        return this;
    }

    /// <summary>Asserts the call failed with <paramref name="code"/> (and status), returning the message.</summary>
    public string Fails(string code, int status)
    {
        Assert.NotNull(Error);
        Assert.Equal(code, Error.Code);
        Assert.Equal(status, Error.HttpStatus);
        return Error.Message;
    }
}

/// <summary>
/// Runs IAM handlers in-process against a real SQLite store in a temporary data directory, as the pipeline will:
/// builds the <see cref="ActionContext"/>, calls the handler, maps store exceptions to AWS errors and renders the
/// response with <see cref="QueryResponseWriter"/>.
/// </summary>
internal sealed class IamHarness : IAsyncDisposable
{
    public const string Account = "123456789012";
    public const string RootArn = "arn:aws:iam::123456789012:root";

    private readonly Dictionary<string, IActionHandler> _handlers;
    private readonly ServiceProvider _services;
    private readonly DirectoryInfo _directory;
    private int _requests;

    private IamHarness(IStateStore store, DirectoryInfo directory)
    {
        Store = store;
        _directory = directory;
        var random = new Random(7);
        Ids = new IdentifierGenerator(b => random.NextBytes(b));
        // The handlers as the broker builds them: IAM's registration list over this harness's store, clock and ids.
        var services = new ServiceCollection()
            .AddSingleton(store)
            .AddSingleton<TimeProvider>(Time)
            .AddSingleton(Ids)
            .AddIamActions();
        _services = services.BuildServiceProvider();
        Reports = _services.GetRequiredService<CredentialReportCache>();
        _handlers = _services.GetServices<IActionHandler>().ToDictionary(h => h.Action, StringComparer.Ordinal);
    }

    public static DateTimeOffset Start { get; } = new(2026, 11, 24, 2, 39, 32, 123, TimeSpan.Zero);

    public IStateStore Store { get; }

    public FakeTimeProvider Time { get; } = new(Start);

    public IdentifierGenerator Ids { get; }

    public CredentialReportCache Reports { get; }

    public RootStandInAuthorizer Authorizer { get; } = new();

    public IReadOnlyCollection<string> Actions => _handlers.Keys;

    /// <summary>The outcome of the last request (null when it failed).</summary>
    public ActionOutcome? LastOutcome { get; private set; }

    /// <summary>The caller of the next requests; the account root by default.</summary>
    public CallerIdentity Caller { get; set; } = RootCaller;

    public static CallerIdentity RootCaller { get; } = new()
    {
        Kind = CallerKind.Root,
        AccountId = Account,
        Arn = RootArn,
        UserId = Account,
        AccessKeyId = "AKIAROOTKEYEXAMPLE00",
        PrincipalEntityArn = RootArn,
    };

    public static CallerIdentity UserCaller(string userName) => new()
    {
        Kind = CallerKind.User,
        AccountId = Account,
        Arn = $"arn:aws:iam::{Account}:user/{userName}",
        UserId = "AIDAEXAMPLEEXAMPLE12",
        AccessKeyId = "AKIAUSERKEYEXAMPLE00",
        UserName = userName,
        PrincipalEntityArn = $"arn:aws:iam::{Account}:user/{userName}",
    };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<IamHarness> OpenAsync()
    {
        var directory = Directory.CreateTempSubdirectory("iamdb-iam-");
        var data = DataDirectory.Prepare(directory.FullName);
        var store = await SqliteStateStore.OpenAsync(data.StateFilePath, new SecretProtector(MasterKey.Generate()), cancellationToken: Ct);
        return new IamHarness(store, directory);
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await Store.DisposeAsync();
        _directory.Delete(recursive: true);
    }

    /// <summary>Calls <paramref name="action"/> with the given parameters (pairs of name and value).</summary>
    public async Task<IamResponse> CallAsync(string action, params (string Name, string Value)[] parameters)
    {
        var handler = _handlers[action];
        var requestId = $"req-{++_requests}";
        var request = new BrokerRequest(
            new RequestArrival(requestId, Time.GetUtcNow(), "127.0.0.1", SecureTransport: false, UserAgent: null),
            QueryService.Iam,
            action,
            QueryParameters.From(
                new[] { new KeyValuePair<string, string>("Action", action), new("Version", QueryService.IamVersion) }
                    .Concat(parameters.Select(p => new KeyValuePair<string, string>(p.Name, p.Value)))),
            Caller,
            "us-east-1");
        LastOutcome = null;
        Authorizer.CallerArn = Caller.Arn;
        var before = Authorizer.Calls.Count;
        AwsError? error = null;
        byte[] body;
        try
        {
            var outcome = await handler.HandleAsync(new ActionContext(request, Authorizer), Ct);
            LastOutcome = outcome;
            body = QueryResponseWriter.ToBytes(QueryService.IamNamespace, action, requestId, outcome.WriteResult);
        }
        catch (AwsErrorException e)
        {
            error = e.Error;
            body = QueryResponseWriter.ErrorToBytes(QueryService.IamNamespace, error, requestId);
        }
        catch (StateException e)
        {
            error = MapStateException(e);
            body = QueryResponseWriter.ErrorToBytes(QueryService.IamNamespace, error, requestId);
        }

        return new IamResponse(action, Encoding.UTF8.GetString(body), error, [.. Authorizer.Calls.Skip(before)]);
    }

    /// <summary>
    /// The store-exception mapping this harness assumes the pipeline applies (codes and statuses from the IAM model's
    /// error shapes); handlers let these propagate.
    /// </summary>
    public static AwsError MapStateException(StateException e) => e switch
    {
        EntityAlreadyExistsException => new AwsError("EntityAlreadyExists", e.Message, 409),
        NoSuchEntityException => new AwsError("NoSuchEntity", e.Message, 404),
        DeleteConflictException => new AwsError("DeleteConflict", e.Message, 409),
        StateLimitExceededException => new AwsError("LimitExceeded", e.Message, 409),
        InvalidMarkerException => new AwsError("InvalidInput", e.Message, 400),
        _ => throw new InvalidOperationException("unmapped state exception", e),
    };

    /// <summary>Everything the IAM actions can change, as text, to prove a failed request left nothing behind.</summary>
    public async Task<string> SnapshotAsync()
    {
        var sb = new StringBuilder();
        await Store.ReadAsync(
            async (r, c) =>
            {
                async Task Dependents(string id)
                {
                    foreach (var inline in await Pages.ReadAllAsync(p => r.InlinePolicies.ListAsync(id, p, c)))
                    {
                        sb.Append(" inline ").Append(inline.PolicyName).Append('=').Append(inline.Document);
                    }

                    foreach (var attached in await Pages.ReadAllAsync(p => r.Policies.ListAttachedAsync(id, null, p, c)))
                    {
                        sb.Append(" attached ").Append(attached.PolicyArn);
                    }

                    sb.Append('\n');
                }

                foreach (var u in await Pages.ReadAllAsync(p => r.Users.ListAsync(Account, null, p, c)))
                {
                    sb.Append("user ").Append(u).Append(string.Join(",", u.Tags));
                    foreach (var key in await r.AccessKeys.ListAsync(Account, u.UserId, c))
                    {
                        sb.Append(" key ").Append(key.AccessKeyId).Append(' ').Append(key.Status);
                    }

                    foreach (var g in await Pages.ReadAllAsync(p => r.Groups.ListGroupsForUserAsync(u.UserId, p, c)))
                    {
                        sb.Append(" in ").Append(g.GroupName);
                    }

                    await Dependents(u.UserId);
                }

                foreach (var g in await Pages.ReadAllAsync(p => r.Groups.ListAsync(Account, null, p, c)))
                {
                    sb.Append("group ").Append(g);
                    await Dependents(g.GroupId);
                }

                foreach (var o in await Pages.ReadAllAsync(p => r.Roles.ListAsync(Account, null, p, c)))
                {
                    sb.Append("role ").Append(o).Append(string.Join(",", o.Tags));
                    await Dependents(o.RoleId);
                }

                foreach (var p in await Pages.ReadAllAsync(x => r.Policies.ListAsync(Account, null, x, c)))
                {
                    sb.Append("policy ").Append(p).Append(string.Join(",", p.Tags));
                    foreach (var v in await r.Policies.ListVersionsAsync(p.Arn, c))
                    {
                        sb.Append(' ').Append(v);
                    }

                    sb.Append('\n');
                }

                foreach (var o in await r.IdentityProviders.ListOpenIdConnectProvidersAsync(Account, c))
                {
                    sb.Append("oidc ").Append(o.Arn).Append(' ').AppendJoin(",", o.ClientIds).Append(' ').AppendJoin(",", o.Thumbprints)
                        .Append(' ').AppendJoin(",", o.Tags).Append('\n');
                }

                foreach (var s in await r.IdentityProviders.ListSamlProvidersAsync(Account, c))
                {
                    sb.Append("saml ").Append(s.Arn).Append(' ').Append(s.MetadataDocument.GetHashCode(StringComparison.Ordinal)).Append(' ').Append(s.ValidUntil)
                        .Append(' ').AppendJoin(",", s.Tags).Append('\n');
                }

                sb.Append("root keys ").Append((await r.AccessKeys.ListAsync(Account, null, c)).Count);
                return true;
            },
            Ct);
        return sb.ToString();
    }

    /// <summary>Parses a response body with botocore's own QueryParser and the real IAM model.</summary>
    public static JsonElement ParseWithBotocore(IamResponse response)
    {
        const string Python = "/usr/bin/python3";
        var script = Path.Combine(AppContext.BaseDirectory, "Actions", "Iam", "botocore_parse_iam.py");
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { script, response.Action })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        process.StandardInput.BaseStream.Write(Encoding.UTF8.GetBytes(response.Xml));
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(60_000), "botocore parser timed out");
        Assert.True(process.ExitCode != 3, "botocore is not importable by /usr/bin/python3: install python3-boto3");
        Assert.True(process.ExitCode == 0, $"botocore parser failed: {stderr}");
        return JsonDocument.Parse(stdout.Result).RootElement;
    }
}

/// <summary>
/// The harness's stand-in for the real authorization: AWS always allows the account root, so it allows every call and
/// records (action, resource). <see cref="Deny"/> makes it refuse one action with AWS's AccessDenied, to prove that
/// handlers authorize before they write.
/// </summary>
internal sealed class RootStandInAuthorizer : IRequestAuthorization
{
    private readonly List<AuthorizationDecision> _decisions = [];

    public List<(string Action, string Resource)> Calls { get; } = [];

    /// <summary>An action (e.g. <c>iam:CreateUser</c>) to deny, or null.</summary>
    public string? Deny { get; set; }

    /// <summary>The caller of the request being handled, for the denial message.</summary>
    public string CallerArn { get; set; } = IamHarness.RootArn;

    public IReadOnlyList<AuthorizationDecision> Decisions => _decisions;

    public ValueTask<AuthorizationDecision> DecideAsync(
        string action, string resourceArn, IReadOnlyDictionary<string, IReadOnlyList<string>>? context, ResourcePolicy? resourcePolicy, CancellationToken ct)
    {
        Calls.Add((action, resourceArn));
        var decision = action == Deny
            ? new AuthorizationDecision(
                action, resourceArn, Decision.ImplicitDeny, [], [], $"ImplicitDeny {action}",
                new AwsError("AccessDenied", $"User: {CallerArn} is not authorized to perform: {action} on resource: {resourceArn}", 403))
            : AuthorizationDecision.RootAllowed(action, resourceArn);
        _decisions.Add(decision);
        return ValueTask.FromResult(decision);
    }

    public Task<PrincipalPolicies> CallerPoliciesAsync(CancellationToken ct) =>
        throw new NotSupportedException("IAM handlers do not read the caller's policies");

    public ValueTask<AuthorizationDecision> DecideForFederatedPrincipalAsync(
        PrincipalInfo principal, string action, string resourceArn, IReadOnlyDictionary<string, IReadOnlyList<string>>? context,
        ResourcePolicy trustPolicy, CancellationToken ct) =>
        throw new NotSupportedException("IAM handlers never decide for a federated principal");
}
