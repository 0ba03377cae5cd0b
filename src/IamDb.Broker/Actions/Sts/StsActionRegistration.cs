using Microsoft.Extensions.DependencyInjection;

namespace IamDb.Broker.Actions.Sts;

/// <summary>Registers IamDb's STS actions.</summary>
internal static class StsActionRegistration
{
    public static IServiceCollection AddStsActions(this IServiceCollection services) =>
        services
            .AddAction<GetCallerIdentityHandler>()
            .AddAction<GetSessionTokenHandler>()
            .AddAction<AssumeRoleHandler>()
            .AddAction<AssumeRoleWithWebIdentityHandler>();
}
