namespace IamDb.Client.Tests.Support;

/// <summary>
/// Test classes that change roles and database ACLs on the one shared PostgreSQL server (brokers registering clusters
/// revoke PUBLIC's CONNECT on every database) run one after another, so one's DDL never races another's.
/// </summary>
[CollectionDefinition(nameof(SharedPostgresServer))]
public sealed class SharedPostgresServer;
