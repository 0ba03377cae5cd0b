using System.Net;
using IamDb.Aws.Errors;
using IamDb.Aws.Identifiers;
using IamDb.Aws.Query;
using IamDb.Aws.Signing;
using IamDb.Broker.Actions;
using IamDb.Broker.Audit;
using IamDb.Broker.Hosting;
using IamDb.Broker.State;
using IamDb.Broker.Telemetry;
using IamDb.Broker.Throttling;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace IamDb.Broker.Pipeline;

/// <summary>
/// The Query-protocol endpoint, one visible stage after another: refuse an address that keeps failing authentication →
/// read body → authenticate (SigV4) → decode parameters → route (service, Action) → throttle → handle (the handler
/// authorizes) → map errors → audit (durable) → respond. Every outcome is answered as AWS XML and audited, but a request
/// that has not authenticated is audited as a small fixed-size record (no parameters) and spends its address's budget of
/// failures; once that is spent the address is answered <c>Throttling</c> before any other work, and only the first such
/// answer is recorded.
/// </summary>
internal sealed partial class QueryPipeline(
    BrokerRuntime runtime,
    SigV4Verifier verifier,
    ActionRouter router,
    TokenBucketThrottle throttle,
    FailedAuthenticationThrottle failedAuthentications,
    IActionAuthorizer authorizer,
    StoreSigningSecretSource keyCache,
    AuditLog audit,
    ILogger<QueryPipeline> logger)
{
    public async Task InvokeAsync(HttpContext http)
    {
        var ct = http.RequestAborted;
        var time = runtime.Time;
        var started = time.GetUtcNow();
        var requestId = runtime.Ids.NewRequestId();
        var request = http.Request;
        var address = http.Connection.RemoteIpAddress is { } remote ? (remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote) : IPAddress.Loopback;
        var sourceIp = address.ToString();
        var state = new RequestState(requestId, started, sourceIp);

        // Stage 0: an address that spent its budget of failed authentications gets no body read, key lookup or decoding.
        if (failedAuthentications.IsThrottled(address, sourceIp, out var firstRefusal))
        {
            if (firstRefusal)
            {
                LogAddressThrottled(logger, sourceIp);
            }

            state.Audited = firstRefusal; // one record per episode, not one per refused request
            await FinishAsync(http, state, null, BrokerErrors.Throttling, ct);
            return;
        }

        // Stage 1: body, within the size limit.
        var (body, bodyError) = await RequestBodyReader.ReadAsync(request, runtime.Options.MaxRequestBodyBytes, ct);
        if (bodyError is not null)
        {
            failedAuthentications.RecordFailure(address, sourceIp);
            await FinishAsync(http, state, null, bodyError, ct);
            return;
        }

        // Stage 2: SigV4 authentication against the store's keys, before anything of the request is decoded.
        var rawTarget = http.Features.Get<IHttpRequestFeature>()?.RawTarget ?? (request.Path + request.QueryString).ToString();
        var isForm = HttpMethods.IsPost(request.Method) && body.Length > 0;
        var verification = await verifier.VerifyAsync(
            new SigV4ReceivedRequest(request.Method, rawTarget, CollectHeaders(request.Headers), body), ct);
        if (!verification.IsSuccess)
        {
            failedAuthentications.RecordFailure(address, sourceIp);
            var (triedAction, triedVersion) = isForm
                ? UnauthenticatedRequest.PeekActionAndVersion(body.Span)
                : UnauthenticatedRequest.PeekActionAndVersion(QueryOf(rawTarget));
            state.Action = triedAction;
            state.Service = ServiceByVersion(triedVersion);
            state.AttemptedAccessKeyId = verification.AttemptedAccessKeyId;
            LogAuthenticationFailed(logger, requestId, verification.FailureReason, verification.AttemptedAccessKeyId ?? "none", sourceIp);
            await FinishAsync(http, state, null, verification.Error, ct);
            return;
        }

        // Stage 3: parameters (form body for POST, query string otherwise).
        var decoded = isForm
            ? QueryDecoder.TryDecodeForm(body.Span, out var parameters, out var decodeError)
            : QueryDecoder.TryDecodeQueryString(QueryOf(rawTarget), out parameters, out decodeError);
        state.Parameters = parameters;
        state.Action = parameters.Action;
        state.Service = ServiceByVersion(parameters.Version);

        var identity = verification.Identity!;
        var key = (AuthenticatedKey)identity.Context!;
        state.Caller = key.Caller;
        state.Region = identity.Region;
        state.Service = QueryService.FromSigningName(identity.Service) ?? state.Service;
        state.KeyUse = key.Session is null ? new AccessKeyUse(identity.AccessKeyId, started, identity.Service, identity.Region) : null;
        if (!decoded)
        {
            await FinishAsync(http, state, null, decodeError, ct);
            return;
        }

        // Stage 4: route by (scope service, Action) and API version.
        if (!parameters.TryGetAction(out var action, out var actionError))
        {
            await FinishAsync(http, state, null, actionError, ct);
            return;
        }

        var handler = router.Find(state.Service.SigningName, action);
        if (handler is null || (parameters.Version is { } version && version != state.Service.Version))
        {
            await FinishAsync(http, state, null, QueryErrors.InvalidAction(action, parameters.Version), ct);
            return;
        }

        // Stage 5: throttling per account and action.
        if (!throttle.TryAcquire(key.Caller.AccountId, state.Service.SigningName + ":" + action))
        {
            await FinishAsync(http, state, null, BrokerErrors.Throttling, ct);
            return;
        }

        // Stage 6: the handler (which authorizes through the context).
        var context = new ActionContext
        {
            RequestId = requestId,
            Service = state.Service,
            Action = action,
            Parameters = parameters,
            Caller = key.Caller,
            Region = identity.Region,
            SecureTransport = request.IsHttps,
            SourceIp = sourceIp,
            Store = runtime.Store,
            Time = time,
            Ids = runtime.Ids,
            Authorizer = authorizer,
            KeyCache = keyCache,
        };
        if (AuditRecordFactory.SafeParameters(parameters) is { Count: > 0 } safeParameters)
        {
            foreach (var (name, value) in safeParameters)
            {
                context.Audit.RequestParameters[name] = value;
            }
        }

        ActionResult? result = null;
        AwsError? error = null;
        try
        {
            result = await handler.HandleAsync(context, ct);
        }
        catch (AwsErrorException ex)
        {
            error = ex.Error;
        }
        catch (StateException ex)
        {
            error = BrokerErrors.FromState(ex);
        }
        catch (StateContentionException ex)
        {
            LogStoreBusy(logger, requestId, ex);
            error = BrokerErrors.ServiceUnavailable;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            error = new AwsError("RequestCanceled", "The client closed the connection.", 499);
        }
        catch (Exception ex)
        {
            LogHandlerFailed(logger, requestId, state.Service.SigningName, action, ex);
            error = BrokerErrors.InternalFailure;
        }

        state.Details = context.Audit;
        await FinishAsync(http, state, result, error, ct);
    }

    /// <summary>Stages 7–8: audit (durable first), then the XML answer.</summary>
    private async Task FinishAsync(HttpContext http, RequestState state, ActionResult? result, AwsError? error, CancellationToken ct)
    {
        byte[] payload;
        int status;
        if (error is null && result is not null && state.Action is not null)
        {
            try
            {
                payload = QueryResponseWriter.ToBytes(state.Service.XmlNamespace, state.Action, state.RequestId, result.WriteResult);
                status = 200;
            }
            catch (Exception ex)
            {
                LogHandlerFailed(logger, state.RequestId, state.Service.SigningName, state.Action, ex);
                error = BrokerErrors.InternalFailure;
                payload = QueryResponseWriter.ErrorToBytes(state.Service.XmlNamespace, error, state.RequestId);
                status = error.HttpStatus;
            }
        }
        else
        {
            error ??= BrokerErrors.InternalFailure;
            payload = QueryResponseWriter.ErrorToBytes(state.Service.XmlNamespace, error, state.RequestId);
            status = error.HttpStatus;
        }

        if (state.Audited)
        {
            var record = AuditRecordFactory.Create(
                new AuditRecordFactory.RequestFacts(
                    state.RequestId,
                    state.Started,
                    state.Service.SigningName,
                    state.Action,
                    state.Region ?? runtime.Options.Region,
                    state.SourceIp,
                    http.Request.Headers.UserAgent.ToString() is { Length: > 0 } agent ? agent : null,
                    state.AttemptedAccessKeyId,
                    state.Caller,
                    state.Caller?.AccountId ?? runtime.AccountId),
                state.Parameters,
                state.Details,
                error);
            try
            {
                // A credential issued on the cluster is recorded even when the answer failed afterwards: the reaper and revocation
                // must know every login role that exists.
                await audit.AppendAsync(record, error is null ? state.KeyUse : null, state.Details?.IssuedCredential);
            }
            catch (Exception ex)
            {
                // No durable record, no answer: refuse rather than act unaudited.
                LogAuditFailed(logger, state.RequestId, ex);
                status = 500;
                payload = QueryResponseWriter.ErrorToBytes(state.Service.XmlNamespace, BrokerErrors.InternalFailure, state.RequestId);
            }
        }
        else
        {
            LogThrottledUnaudited(logger, state.RequestId, state.SourceIp);
        }

        RequestTelemetry.Describe(http, state.RequestId, state.Service.SigningName, state.Action, state.Caller?.Arn, error?.Code, status);

        if (status == 499 || ct.IsCancellationRequested)
        {
            return;
        }

        var response = http.Response;
        response.StatusCode = status;
        response.ContentType = QueryContentTypes.Xml;
        response.ContentLength = payload.Length;
        response.Headers["x-amzn-RequestId"] = state.RequestId;
        response.Headers.Date = runtime.Time.GetUtcNow().ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        await response.Body.WriteAsync(payload, ct);
    }

    private static string QueryOf(string rawTarget)
    {
        var q = rawTarget.IndexOf('?', StringComparison.Ordinal);
        return q < 0 ? string.Empty : rawTarget[(q + 1)..];
    }

    private static QueryService ServiceByVersion(string? version) => version switch
    {
        QueryService.StsVersion => QueryService.Sts,
        QueryService.RedshiftVersion => QueryService.Redshift,
        _ => QueryService.Iam,
    };

    private static List<KeyValuePair<string, string>> CollectHeaders(IHeaderDictionary headers)
    {
        var list = new List<KeyValuePair<string, string>>(headers.Count + 2);
        foreach (var (name, values) in headers)
        {
            foreach (var value in values)
            {
                list.Add(new(name, value ?? string.Empty));
            }
        }

        return list;
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Request {RequestId} failed authentication: {Reason} (access key {AccessKeyId}, from {SourceIp})")]
    private static partial void LogAuthenticationFailed(ILogger logger, string requestId, SigV4FailureReason reason, string accessKeyId, string sourceIp);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "Client {SourceIp} failed authentication too often; its requests are answered Throttling, unaudited, until its budget refills")]
    private static partial void LogAddressThrottled(ILogger logger, string sourceIp);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Debug, Message = "Request {RequestId} from {SourceIp} refused: too many failed authentications (not audited)")]
    private static partial void LogThrottledUnaudited(ILogger logger, string requestId, string sourceIp);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Error, Message = "Request {RequestId} ({Service}:{Action}) failed unexpectedly")]
    private static partial void LogHandlerFailed(ILogger logger, string requestId, string service, string action, Exception exception);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Request {RequestId}: the state store stayed busy")]
    private static partial void LogStoreBusy(ILogger logger, string requestId, Exception exception);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Error, Message = "Request {RequestId}: the audit record could not be written; answering InternalFailure")]
    private static partial void LogAuditFailed(ILogger logger, string requestId, Exception exception);

    /// <summary>What the stages learned so far; the audit record is built from it whatever stage answered.</summary>
    private sealed class RequestState(string requestId, DateTimeOffset started, string sourceIp)
    {
        public string RequestId { get; } = requestId;

        public DateTimeOffset Started { get; } = started;

        public string SourceIp { get; } = sourceIp;

        public QueryParameters Parameters { get; set; } = QueryParameters.Empty;

        public QueryService Service { get; set; } = QueryService.Iam;

        public string? Action { get; set; }

        public string? Region { get; set; }

        public CallerIdentity? Caller { get; set; }

        public AccessKeyUse? KeyUse { get; set; }

        public AuditDetails? Details { get; set; }

        /// <summary>The access key id a request that failed authentication named (shape-checked by the verifier).</summary>
        public string? AttemptedAccessKeyId { get; set; }

        /// <summary>False for requests refused by the failed-authentication budget after the first: they write nothing.</summary>
        public bool Audited { get; set; } = true;
    }
}
