using IamDb.Testing;

[assembly: AssemblyFixture(typeof(PostgresServerFixture))]
