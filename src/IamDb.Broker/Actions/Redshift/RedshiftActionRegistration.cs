using Microsoft.Extensions.DependencyInjection;

namespace IamDb.Broker.Actions.Redshift;

/// <summary>
/// Registers the Redshift actions and IamDb's cluster actions, with the credential issuer and revoker they share. The
/// cluster administration and the <see cref="CredentialSettings"/> come from the composition root.
/// </summary>
internal static class RedshiftActionRegistration
{
    public static IServiceCollection AddRedshiftActions(this IServiceCollection services)
    {
        services.AddSingleton<CredentialIssuer>();
        services.AddSingleton<CredentialRevoker>();
        return services
            .AddAction<RegisterClusterHandler>()
            .AddAction<UpdateClusterHandler>()
            .AddAction<DeregisterClusterHandler>()
            .AddAction<DescribeClustersHandler>()
            .AddAction<DescribeClusterCertificateHandler>()
            .AddAction<TestClusterHandler>()
            .AddAction<DisableClusterPasswordsHandler>()
            .AddAction<GetClusterCredentialsHandler>()
            .AddAction<GetClusterCredentialsWithIamHandler>()
            .AddAction<DescribeClusterCredentialsHandler>()
            .AddAction<RevokeClusterCredentialsHandler>();
    }
}
