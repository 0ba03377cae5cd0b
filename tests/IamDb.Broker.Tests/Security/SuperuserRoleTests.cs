namespace IamDb.Broker.Tests.Security;

/// <summary>
/// Tests that create SUPERUSER roles on the shared server run alone, after the parallel ones: other tests count the
/// server's superusers to prove that a request created none.
/// </summary>
[CollectionDefinition(nameof(SuperuserRoleTests), DisableParallelization = true)]
public sealed class SuperuserRoleTests;
