namespace IamDb.Postgres.LocalServer;

/// <summary>A local PostgreSQL server could not be created, started or stopped. The message says why.</summary>
public sealed class LocalPostgresException : Exception
{
    /// <summary>Creates the exception with a message that says what failed.</summary>
    public LocalPostgresException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the underlying cause.</summary>
    public LocalPostgresException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
