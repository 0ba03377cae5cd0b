using System.Reflection;
using IamDb.Broker.Actions;
using Microsoft.Extensions.DependencyInjection;

namespace IamDb.Broker.Hosting;

/// <summary>
/// Registers every concrete <see cref="IActionHandler"/> of this assembly as a singleton: an IAM, STS or Redshift handler
/// plugs in by existing (a class under <c>Actions/</c> implementing the interface, with constructor dependencies from DI).
/// </summary>
internal static class ActionHandlerRegistration
{
    public static IServiceCollection AddActionHandlers(IServiceCollection services)
    {
        foreach (var type in HandlerTypes())
        {
            services.AddSingleton(typeof(IActionHandler), type);
        }

        return services;
    }

    internal static IEnumerable<Type> HandlerTypes() =>
        typeof(ActionHandlerRegistration).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false, IsGenericTypeDefinition: false } && typeof(IActionHandler).IsAssignableFrom(t))
            .Where(t => t.GetCustomAttribute<System.Runtime.CompilerServices.CompilerGeneratedAttribute>() is null)
            .OrderBy(t => t.FullName, StringComparer.Ordinal);
}
