using IamDb.Client.Credentials;
using IamDb.Client.Query;

namespace IamDb.Cli.Output;

/// <summary>Turns an AWS service error into the CLI's one-line message and exit code.</summary>
internal static class AwsErrors
{
    /// <summary>Codes that mean "understood and refused by policy": exit code 3.</summary>
    private static readonly HashSet<string> AccessDeniedCodes = new(StringComparer.Ordinal)
    {
        "AccessDenied", "AccessDeniedException", "UnauthorizedOperation",
    };

    /// <summary>Exit code for an AWS error code.</summary>
    public static int ExitCodeFor(string code) => AccessDeniedCodes.Contains(code) ? ExitCodes.AccessDenied : ExitCodes.Failure;

    /// <summary>Formats <c>Code: Message</c> for an AWS error thrown by the client; false for any other exception.</summary>
    public static bool TryDescribe(Exception exception, out string message, out int exitCode)
    {
        switch (exception)
        {
            case AwsServiceException service:
                message = $"{service.Code}: {service.ErrorMessage}";
                exitCode = ExitCodeFor(service.Code);
                return true;
            case AwsNetworkException or AwsCredentialsException or InvalidDataException:
                message = exception.Message;
                exitCode = ExitCodes.Failure;
                return true;
            default:
                message = string.Empty;
                exitCode = ExitCodes.Failure;
                return false;
        }
    }
}
