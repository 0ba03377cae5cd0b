using System.Text.Json.Serialization;

namespace IamDb.Broker.Audit;

/// <summary>Source-generated JSON for the audit record's free-form parts.</summary>
[JsonSerializable(typeof(Dictionary<string, string?>))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
internal sealed partial class AuditJsonContext : JsonSerializerContext;
