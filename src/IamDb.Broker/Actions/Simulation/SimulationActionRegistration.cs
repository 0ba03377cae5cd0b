using Microsoft.Extensions.DependencyInjection;

namespace IamDb.Broker.Actions.Simulation;

/// <summary>Registers IAM's policy simulation actions.</summary>
internal static class SimulationActionRegistration
{
    public static IServiceCollection AddSimulationActions(this IServiceCollection services) =>
        services
            .AddAction<SimulateCustomPolicyHandler>()
            .AddAction<SimulatePrincipalPolicyHandler>();
}
