using Microsoft.Extensions.DependencyInjection;

namespace IamDb.Broker.Actions;

/// <summary>
/// The one way a handler is registered: each service's registration lists its handlers by name, and each is built once with
/// its constructor dependencies from the container plus the arguments given here (the principal kind of a shared handler
/// class, attach or detach…).
/// </summary>
internal static class ActionRegistration
{
    /// <summary>Registers <typeparamref name="THandler"/> as a singleton <see cref="IActionHandler"/>.</summary>
    public static IServiceCollection AddAction<THandler>(this IServiceCollection services, params object[] arguments)
        where THandler : IActionHandler =>
        services.AddSingleton<IActionHandler>(provider => ActivatorUtilities.CreateInstance<THandler>(provider, arguments));
}
