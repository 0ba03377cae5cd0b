using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using IamDb.Aws.Encoding;
using IamDb.Aws.Signing;
using IamDb.Client.Credentials;
using IamDb.Client.Tls;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IamDb.Client.Query;

/// <summary>Settings of an <see cref="AwsQueryClient"/>.</summary>
public sealed class AwsQueryClientOptions
{
    /// <summary>
    /// The HTTP client to send with (not disposed by the query client). Default: a pooled client of its own that trusts
    /// <see cref="CaBundle"/> in addition to the system's roots. A client given here validates certificates its own way
    /// (the CA bundle settings do not apply to it).
    /// </summary>
    public HttpClient? HttpClient { get; init; }

    /// <summary>
    /// Extra CAs to trust for HTTPS (the broker's CA). Default: what the AWS tools use — <c>AWS_CA_BUNDLE</c>, else the
    /// <c>ca_bundle</c> of the signing profile in the AWS config file (see <see cref="Tls.CaBundle.Resolve"/>); none when
    /// neither is set. Validation and the host-name check always stay on.
    /// </summary>
    public CaBundle? CaBundle { get; init; }

    /// <summary>Look up <c>AWS_CA_BUNDLE</c> and the profile's <c>ca_bundle</c> when <see cref="CaBundle"/> is null. Default on.</summary>
    public bool UseAwsCaBundleSettings { get; init; } = true;

    /// <summary>The clock requests are signed with. Default: the system clock.</summary>
    public TimeProvider? Time { get; init; }

    /// <summary>Loggers; requests are logged by action, status and request id, never with parameter values.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>How long one HTTP call may take. Default 30 seconds.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// When the server rejects a request as signed too far from its clock, learn the offset from its <c>Date</c> header and
    /// sign again once (as the AWS SDK for .NET does). Default on.
    /// </summary>
    public bool CorrectClockSkew { get; init; } = true;

    /// <summary>The <c>User-Agent</c> sent.</summary>
    public string UserAgent { get; init; } = "iamdb-client/1.0";
}

/// <summary>
/// Calls any AWS Query-protocol action (IAM, STS, Redshift, the IamDb broker's cluster actions) over HTTP, signed with
/// SigV4. A success returns the parsed <c>{Action}Result</c>; an AWS error throws <see cref="AwsServiceException"/> and a
/// transport failure <see cref="AwsNetworkException"/>. It does not retry (the credential cache does). Thread-safe.
/// </summary>
public sealed partial class AwsQueryClient : IDisposable
{
    private const int MaxResponseBytes = 16 * 1024 * 1024;
    private static readonly TimeSpan SkewWorthCorrecting = TimeSpan.FromMinutes(1);

    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly AwsQueryClientOptions _options;
    private readonly BrokerCertificateValidator? _validator;
    private long _clockCorrectionTicks;

    /// <summary>Creates a client signing with <paramref name="credentials"/>.</summary>
    /// <exception cref="CaBundleException">a CA bundle is named (option, <c>AWS_CA_BUNDLE</c>, profile) but cannot be read.</exception>
    public AwsQueryClient(AwsCredentialSource credentials, AwsQueryClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        Credentials = credentials;
        _options = options ?? new AwsQueryClientOptions();
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_options.Timeout, TimeSpan.Zero, nameof(options));
        _time = _options.Time ?? TimeProvider.System;
        _logger = (_options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger("IamDb.Client.Query");
        if (_options.HttpClient is { } http)
        {
            _http = http;
        }
        else
        {
            var bundle = _options.CaBundle ?? (_options.UseAwsCaBundleSettings ? CaBundle.Resolve(profile: credentials.ProfileName) : null);
            _validator = new BrokerCertificateValidator(bundle);
            _http = new HttpClient(_validator.CreateHandler())
            {
                Timeout = System.Threading.Timeout.InfiniteTimeSpan,
            };
            _ownsHttp = true;
        }
    }

    /// <summary>The credentials requests are signed with.</summary>
    public AwsCredentialSource Credentials { get; }

    /// <summary>The extra CAs this client trusts for HTTPS, or null (also when <see cref="AwsQueryClientOptions.HttpClient"/> was given).</summary>
    public CaBundle? TrustedCaBundle => _validator?.Bundle;

    /// <summary>The offset added to the local clock when signing, learnt from a clock-skew rejection (zero until then).</summary>
    public TimeSpan ClockCorrection => TimeSpan.FromTicks(Interlocked.Read(ref _clockCorrectionTicks));

    /// <summary>Sends <paramref name="request"/> and returns its result.</summary>
    /// <exception cref="AwsServiceException">the service answered with an error.</exception>
    /// <exception cref="AwsNetworkException">no usable answer (connection, TLS, timeout, not AWS XML).</exception>
    /// <exception cref="AwsCredentialsException">no credentials to sign with.</exception>
    public async Task<AwsQueryResponse> CallAsync(AwsQueryRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = EncodeBody(request);
        var credentials = await Credentials.GetSigningCredentialsAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await SendAsync(request, body, credentials, cancellationToken).ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (_options.CorrectClockSkew && IsClockSkew(e) && e.Data["ServerDate"] is DateTimeOffset serverDate)
        {
            var correction = serverDate - _time.GetUtcNow();
            if ((correction - ClockCorrection).Duration() < SkewWorthCorrecting)
            {
                throw;
            }

            Interlocked.Exchange(ref _clockCorrectionTicks, correction.Ticks);
            LogClockCorrected(_logger, request.Service, request.Action, correction.TotalSeconds);
            return await SendAsync(request, body, credentials, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Sends <paramref name="request"/> without a signature, for the STS calls whose token or assertion is the credential
    /// (<c>AssumeRoleWithWebIdentity</c>, <c>AssumeRoleWithSAML</c>); <see cref="Credentials"/> is not consulted.
    /// </summary>
    internal Task<AwsQueryResponse> CallUnsignedAsync(AwsQueryRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return SendAsync(request, EncodeBody(request), null, cancellationToken);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    internal static byte[] EncodeBody(AwsQueryRequest request)
    {
        var text = new StringBuilder(128 + (request.Parameters.Count * 32));
        text.Append("Action=");
        PercentEncoding.AppendEncoded(text, request.Action);
        text.Append("&Version=");
        PercentEncoding.AppendEncoded(text, request.Version);
        foreach (var (name, value) in request.Parameters)
        {
            text.Append('&');
            PercentEncoding.AppendEncoded(text, name);
            text.Append('=');
            PercentEncoding.AppendEncoded(text, value);
        }

        return System.Text.Encoding.UTF8.GetBytes(text.ToString());
    }

    private static bool IsClockSkew(AwsServiceException e) =>
        e.Code is "RequestTimeTooSkewed" or "RequestExpired" or "RequestInTheFuture" or "InvalidSignatureException" ||
        (e.Code == "SignatureDoesNotMatch" &&
         (e.ErrorMessage.StartsWith("Signature expired", StringComparison.Ordinal) ||
          e.ErrorMessage.StartsWith("Signature not yet current", StringComparison.Ordinal)));

    private async Task<AwsQueryResponse> SendAsync(
        AwsQueryRequest request, byte[] body, SigningCredentials? credentials, CancellationToken cancellationToken)
    {
        var uri = request.Endpoint.AbsolutePath.Length == 0 ? new Uri(request.Endpoint, "/") : request.Endpoint;
        const string contentType = "application/x-www-form-urlencoded; charset=utf-8";
        using var message = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) };
        message.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        message.Headers.TryAddWithoutValidation("User-Agent", _options.UserAgent);
        if (credentials is not null)
        {
            var toSign = SigV4Request.FromUri("POST", uri, [new("Content-Type", contentType)], body);
            var signature = SigV4Signer.SignHeaders(toSign, credentials, request.Region, request.Service, _time.GetUtcNow() + ClockCorrection);
            foreach (var (name, value) in signature.HeadersToAdd)
            {
                message.Headers.TryAddWithoutValidation(name, value);
            }
        }

        var started = Stopwatch.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        HttpStatusCode status;
        byte[] reply;
        string? headerRequestId;
        DateTimeOffset? serverDate;
        string? mediaType;
        try
        {
            using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            status = response.StatusCode;
            headerRequestId = response.Headers.TryGetValues("x-amzn-RequestId", out var ids) ? ids.FirstOrDefault() : null;
            serverDate = response.Headers.Date;
            mediaType = response.Content.Headers.ContentType?.MediaType;
            reply = await ReadBoundedAsync(response.Content, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            LogNetworkFailure(_logger, request.Service, request.Action, request.Endpoint.Authority, "timeout");
            throw new AwsNetworkException(request.Service, request.Action, request.Endpoint,
                $"no answer within {_options.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s");
        }
        catch (HttpRequestException e) when (TlsFailure.IsTls(e))
        {
            var why = TlsFailure.Describe(e, _validator?.LastRefusal(uri.IdnHost), request.Endpoint);
            LogNetworkFailure(_logger, request.Service, request.Action, request.Endpoint.Authority, why);
            throw new AwsNetworkException(request.Service, request.Action, request.Endpoint, why, e);
        }
        catch (HttpRequestException e)
        {
            LogNetworkFailure(_logger, request.Service, request.Action, request.Endpoint.Authority, e.Message);
            throw new AwsNetworkException(request.Service, request.Action, request.Endpoint, e.Message, e);
        }

        var elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        XElement? root = null;
        try
        {
            root = Parse(reply);
        }
        catch (XmlException) when ((int)status >= 300)
        {
            // A proxy or load balancer's HTML page: keep the status so throttling (429) and 5xx stay recognisable.
        }
        catch (XmlException e)
        {
            throw new AwsNetworkException(request.Service, request.Action, request.Endpoint,
                $"the answer (HTTP {(int)status}, {mediaType ?? "no content type"}) is not AWS XML: {e.Message}", e);
        }

        if ((int)status is >= 200 and < 300 && root is not null && root.Name.LocalName != "ErrorResponse")
        {
            var result = root.Child(request.Action + "Result");
            var requestId = root.Text("ResponseMetadata", "RequestId") ?? headerRequestId;
            LogCall(_logger, request.Service, request.Action, (int)status, requestId, elapsedMs);
            return new AwsQueryResponse(request.Action, result, requestId, status, serverDate);
        }

        var error = root?.Child("Error") ?? root.Child("Errors").Child("Error");
        var code = error.Text("Code") ?? $"HTTP{(int)status}";
        var errorMessage = error.Text("Message") ??
                           (root is null ? $"the service answered HTTP {(int)status} with a body that is not AWS XML" : "no message");
        var errorRequestId = root.Text("RequestId") ?? root.Text("ResponseMetadata", "RequestId") ?? headerRequestId;
        var exception = new AwsServiceException(
            request.Service, request.Action, code, errorMessage, errorRequestId, status == HttpStatusCode.OK ? HttpStatusCode.InternalServerError : status,
            error.Text("Type"));
        if (serverDate is { } date)
        {
            exception.Data["ServerDate"] = date;
        }

        LogError(_logger, request.Service, request.Action, (int)status, code, errorRequestId, elapsedMs);
        throw exception;
    }

    private static async Task<byte[]> ReadBoundedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength is > MaxResponseBytes)
        {
            throw new HttpRequestException($"the answer is larger than {MaxResponseBytes} bytes");
        }

        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > MaxResponseBytes)
                {
                    throw new HttpRequestException($"the answer is larger than {MaxResponseBytes} bytes");
                }

                buffer.Write(chunk, 0, read);
            }

            return buffer.ToArray();
        }
    }

    private static XElement Parse(byte[] reply)
    {
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersInDocument = MaxResponseBytes,
            IgnoreComments = true,
        };
        using var stream = new MemoryStream(reply, writable: false);
        using var reader = XmlReader.Create(stream, settings);
        return XElement.Load(reader);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "{Service} {Action}: HTTP {Status}, request id {RequestId}, {ElapsedMs:F1} ms")]
    private static partial void LogCall(ILogger logger, string service, string action, int status, string? requestId, double elapsedMs);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "{Service} {Action}: HTTP {Status} {Code}, request id {RequestId}, {ElapsedMs:F1} ms")]
    private static partial void LogError(ILogger logger, string service, string action, int status, string code, string? requestId, double elapsedMs);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "{Service} {Action} at {Endpoint} got no answer: {Reason}")]
    private static partial void LogNetworkFailure(ILogger logger, string service, string action, string endpoint, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "{Service} {Action}: the server's clock is {OffsetSeconds:F0} s from ours; signing with its time from now on")]
    private static partial void LogClockCorrected(ILogger logger, string service, string action, double offsetSeconds);
}
