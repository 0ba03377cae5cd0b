using System.Collections.Frozen;
using IamDb.Broker.Actions;

namespace IamDb.Broker.Pipeline;

/// <summary>Finds the handler of (signing service, Action). Action names are case-sensitive, as AWS's are.</summary>
internal sealed class ActionRouter
{
    private readonly FrozenDictionary<(string Service, string Action), IActionHandler> _handlers;

    public ActionRouter(IEnumerable<IActionHandler> handlers)
    {
        var map = new Dictionary<(string, string), IActionHandler>();
        foreach (var handler in handlers)
        {
            if (!map.TryAdd((handler.Service, handler.Action), handler))
            {
                throw new InvalidOperationException($"two handlers for {handler.Service}:{handler.Action}");
            }
        }

        _handlers = map.ToFrozenDictionary();
    }

    /// <summary>Every registered (service, action).</summary>
    public IEnumerable<(string Service, string Action)> Actions => _handlers.Keys;

    public IActionHandler? Find(string service, string action) => _handlers.GetValueOrDefault((service, action));
}
