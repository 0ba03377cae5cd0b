namespace IamDb.Broker.Hosting.Maintenance;

/// <summary>
/// A backup, restore or master key rotation cannot be done as asked; the message says why and what to do, and never
/// contains a key or a secret. Nothing was changed unless the message says otherwise.
/// </summary>
public sealed class StoreMaintenanceException : Exception
{
    /// <summary>Creates the exception.</summary>
    public StoreMaintenanceException()
    {
    }

    /// <summary>Creates the exception with a message for the operator.</summary>
    public StoreMaintenanceException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message for the operator and its cause.</summary>
    public StoreMaintenanceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
