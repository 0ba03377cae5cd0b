using System.Reflection;
using IamDb.Broker.Actions;
using IamDb.Broker.Actions.Iam;
using Microsoft.Extensions.DependencyInjection;

namespace IamDb.Broker.Hosting;

/// <summary>
/// Registers the action handlers. IAM's are registered by <see cref="IamActionRegistration.AddIamActions"/> because
/// several of its handler classes serve more than one action (attach/detach, tag/untag); every other concrete
/// <see cref="IActionHandler"/> of this assembly plugs in by existing, with constructor dependencies from DI.
/// </summary>
internal static class ActionHandlerRegistration
{
    private static readonly string IamNamespace = typeof(IamActionRegistration).Namespace!;

    public static IServiceCollection AddActionHandlers(IServiceCollection services)
    {
        services.AddIamActions();
        foreach (var type in HandlerTypes())
        {
            services.AddSingleton(typeof(IActionHandler), type);
        }

        return services;
    }

    internal static IEnumerable<Type> HandlerTypes() =>
        typeof(ActionHandlerRegistration).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false, IsGenericTypeDefinition: false } && typeof(IActionHandler).IsAssignableFrom(t))
            .Where(t => t.Namespace?.StartsWith(IamNamespace, StringComparison.Ordinal) != true)
            .Where(t => t.GetCustomAttribute<System.Runtime.CompilerServices.CompilerGeneratedAttribute>() is null)
            .OrderBy(t => t.FullName, StringComparer.Ordinal);
}
