using IamDb.Broker.Actions.Iam;
using IamDb.Broker.Actions.Redshift;
using IamDb.Broker.Actions.Simulation;
using IamDb.Broker.Actions.Sts;
using Microsoft.Extensions.DependencyInjection;

namespace IamDb.Broker.Hosting;

/// <summary>
/// Registers the action handlers: each service lists its own (<see cref="IamActionRegistration"/>,
/// <see cref="SimulationActionRegistration"/>, <see cref="StsActionRegistration"/>, <see cref="RedshiftActionRegistration"/>),
/// so a new action is one line in its service's list.
/// </summary>
internal static class ActionHandlerRegistration
{
    public static IServiceCollection AddActionHandlers(IServiceCollection services) =>
        services
            .AddIamActions()
            .AddSimulationActions()
            .AddStsActions()
            .AddRedshiftActions();
}
