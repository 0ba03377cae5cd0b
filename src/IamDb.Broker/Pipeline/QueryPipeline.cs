using System.Net;
using IamDb.Aws.Errors;
using IamDb.Aws.Identifiers;
using IamDb.Aws.Query;
using IamDb.Aws.Signing;
using IamDb.Broker.Actions;
using IamDb.Broker.Audit;
using IamDb.Broker.Authorization;
using IamDb.Broker.Requests;
using IamDb.Broker.State;
using IamDb.Broker.State.Audit;
using IamDb.Broker.State.Redshift;
using IamDb.Broker.Telemetry;
using IamDb.Broker.Throttling;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace IamDb.Broker.Pipeline;

/// <summary>What the pipeline needs from the broker's options.</summary>
/// <param name="MaxRequestBodyBytes">The largest body read; larger requests are refused before authentication.</param>
/// <param name="Region">The broker's region, for the records of requests whose signing scope is unknown.</param>
/// <param name="AccountId">The account the broker serves, for the records of requests without a caller.</param>
internal sealed record PipelineSettings(int MaxRequestBodyBytes, string Region, string AccountId);

/// <summary>
/// The Query-protocol endpoint, one visible stage after another: refuse an address that keeps failing authentication →
/// read body → authenticate (SigV4) → decode parameters into the immutable <see cref="BrokerRequest"/> → route (service,
/// Action) → throttle → handle (the handler authorizes through the request's <see cref="RequestAuthorization"/>, which loads
/// the caller's policies once) → map errors → audit (durable; with every decision taken) → respond. Every outcome is
/// answered as AWS XML and audited, but a request that has not authenticated is audited as a small fixed-size record (no
/// parameters) and spends its address's budget of failures; once that is spent the address is answered <c>Throttling</c>
/// before any other work, and only the first such answer is recorded.
/// </summary>
internal sealed partial class QueryPipeline(
    PipelineSettings settings,
    TimeProvider time,
    IdentifierGenerator ids,
    SigV4Verifier verifier,
    StoreSigningSecretSource keys,
    ActionRouter router,
    TokenBucketThrottle throttle,
    FailedAuthenticationThrottle failedAuthentications,
    TokenBearerThrottle tokenBearers,
    PolicyAuthorizer authorizer,
    AuditLog audit,
    ILogger<QueryPipeline> logger)
{
    private static readonly IReadOnlyList<string> NoDecisions = [];

    public async Task InvokeAsync(HttpContext http)
    {
        var ct = http.RequestAborted;
        var request = http.Request;
        var address = http.Connection.RemoteIpAddress is { } remote ? (remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote) : IPAddress.Loopback;
        var sourceIp = address.ToString();
        var arrival = new RequestArrival(
            ids.NewRequestId(), time.GetUtcNow(), sourceIp, request.IsHttps, request.Headers.UserAgent.ToString() is { Length: > 0 } agent ? agent : null);

        // Stage 0: an address that spent its budget of failed authentications gets no body read, key lookup or decoding.
        if (failedAuthentications.IsThrottled(address, sourceIp, out var firstRefusal))
        {
            if (firstRefusal)
            {
                LogAddressThrottled(logger, sourceIp);
            }

            // One record per episode, not one per refused request.
            await RefuseUnauthenticatedAsync(http, arrival, QueryService.Iam, null, null, BrokerErrors.Throttling, audited: firstRefusal, ct);
            return;
        }

        // Stage 1: body, within the size limit.
        var (body, bodyError) = await RequestBodyReader.ReadAsync(request, settings.MaxRequestBodyBytes, ct);
        if (bodyError is not null)
        {
            failedAuthentications.RecordFailure(address, sourceIp);
            await RefuseUnauthenticatedAsync(http, arrival, QueryService.Iam, null, null, bodyError, audited: true, ct);
            return;
        }

        // Stage 2: SigV4 authentication against the store's keys, before anything of the request is decoded — except for
        // the STS calls whose token or assertion is the credential, which AWS accepts unsigned (signed ones are served alike).
        var rawTarget = http.Features.Get<IHttpRequestFeature>()?.RawTarget ?? (request.Path + request.QueryString).ToString();
        var isForm = HttpMethods.IsPost(request.Method) && body.Length > 0;
        var (peekedAction, peekedVersion) = isForm
            ? UnauthenticatedRequest.PeekActionAndVersion(body.Span)
            : UnauthenticatedRequest.PeekActionAndVersion(QueryOf(rawTarget));
        if (UnauthenticatedRequest.IsTokenBearing(peekedAction, peekedVersion))
        {
            await InvokeTokenBearingAsync(http, arrival, address, body, isForm, rawTarget, peekedAction!, ct);
            return;
        }

        var keyLookup = new RequestKeyLookup(keys);
        SigV4VerificationResult verification;
        try
        {
            verification = await verifier.VerifyAsync(
                new SigV4ReceivedRequest(request.Method, rawTarget, CollectHeaders(request.Headers), body), keyLookup, ct);
        }
        catch (StoreUnavailableException ex)
        {
            // The signing-secret lookup could not reach the store: the caller is unknown, not refused. The attempt is
            // audited like any refusal (and answered ServiceUnavailable when that write fails too).
            LogStoreUnavailable(logger, arrival.RequestId, ex);
            await RefuseUnauthenticatedAsync(
                http, arrival, ServiceByVersion(peekedVersion), peekedAction, null, BrokerErrors.ServiceUnavailable, audited: true, ct);
            return;
        }

        if (!verification.IsSuccess)
        {
            failedAuthentications.RecordFailure(address, sourceIp);
            LogAuthenticationFailed(logger, arrival.RequestId, verification.FailureReason, verification.AttemptedAccessKeyId ?? "none", sourceIp);
            await RefuseUnauthenticatedAsync(
                http, arrival, ServiceByVersion(peekedVersion), peekedAction, verification.AttemptedAccessKeyId, verification.Error, audited: true, ct);
            return;
        }

        // Stage 3: parameters (form body for POST, query string otherwise), and the request every later stage reads.
        var decoded = isForm
            ? QueryDecoder.TryDecodeForm(body.Span, out var parameters, out var decodeError)
            : QueryDecoder.TryDecodeQueryString(QueryOf(rawTarget), out parameters, out decodeError);
        var identity = verification.Identity!;
        var key = keyLookup.Found!;
        var brokerRequest = new BrokerRequest(
            arrival,
            QueryService.FromSigningName(identity.Service) ?? ServiceByVersion(parameters.Version),
            parameters.Action,
            parameters,
            key.Caller,
            identity.Region);
        var keyUse = key.Session is null ? new AccessKeyUse(identity.AccessKeyId, arrival.Started, identity.Service, identity.Region) : null;
        if (!decoded)
        {
            await FinishAsync(http, brokerRequest, null, NoDecisions, decodeError, keyUse, ct);
            return;
        }

        // Stage 4: route by (scope service, Action) and API version.
        if (!parameters.TryGetAction(out var action, out var actionError))
        {
            await FinishAsync(http, brokerRequest, null, NoDecisions, actionError, keyUse, ct);
            return;
        }

        var service = brokerRequest.Service;
        var handler = router.Find(service.SigningName, action);
        if (handler is null || (parameters.Version is { } version && version != service.Version))
        {
            await FinishAsync(http, brokerRequest, null, NoDecisions, QueryErrors.InvalidAction(action, parameters.Version), keyUse, ct);
            return;
        }

        // Stage 5: throttling per account and action.
        if (!throttle.TryAcquire(key.Caller.AccountId, service.SigningName + ":" + action))
        {
            await FinishAsync(http, brokerRequest, null, NoDecisions, BrokerErrors.Throttling, keyUse, ct);
            return;
        }

        // Stage 6: the handler, which authorizes through the request's authorization and returns its outcome.
        var (outcome, error, decisions) = await RunHandlerAsync(handler, brokerRequest, ct);
        await FinishAsync(http, brokerRequest, outcome, decisions, error, keyUse, ct);
    }

    /// <summary>
    /// The unsigned path of <c>AssumeRoleWithWebIdentity</c> / <c>AssumeRoleWithSAML</c>: throttled per source address before
    /// anything is decoded or read from the store; the caller is <see cref="CallerIdentity.TokenBearer"/> (never a user or
    /// root), the handler verifies the token or assertion; a refused token spends the address's budget of failed
    /// authentications like a bad signature. The audit record is the full one (the token and assertion parameters are
    /// secrets: <see cref="AuditRecordFactory.IsSecret"/> leaves them out).
    /// </summary>
    private async Task InvokeTokenBearingAsync(
        HttpContext http, RequestArrival arrival, IPAddress address, ReadOnlyMemory<byte> body, bool isForm, string rawTarget, string peekedAction,
        CancellationToken ct)
    {
        if (!tokenBearers.TryAcquire(address, arrival.SourceIp, out var firstRefusal))
        {
            if (firstRefusal)
            {
                LogTokenBearerThrottled(logger, arrival.SourceIp);
            }

            await RefuseUnauthenticatedAsync(http, arrival, QueryService.Sts, peekedAction, null, BrokerErrors.Throttling, audited: firstRefusal, ct);
            return;
        }

        var decoded = isForm
            ? QueryDecoder.TryDecodeForm(body.Span, out var parameters, out var decodeError)
            : QueryDecoder.TryDecodeQueryString(QueryOf(rawTarget), out parameters, out decodeError);
        var brokerRequest = new BrokerRequest(
            arrival, QueryService.Sts, decoded ? parameters.Action : peekedAction, parameters, CallerIdentity.TokenBearer(settings.AccountId), settings.Region);
        if (!decoded)
        {
            await FinishAsync(http, brokerRequest, null, NoDecisions, decodeError, null, ct);
            return;
        }

        // The action that chose this path must be the one decoded (a repeated Action parameter must not switch handlers).
        var handler = parameters.Action == peekedAction ? router.Find(QueryService.Sts.SigningName, peekedAction) : null;
        if (handler is null)
        {
            await FinishAsync(http, brokerRequest, null, NoDecisions, QueryErrors.InvalidAction(parameters.Action ?? peekedAction, parameters.Version), null, ct);
            return;
        }

        var (outcome, error, decisions) = await RunHandlerAsync(handler, brokerRequest, ct);
        if (error is not null && UnauthenticatedRequest.IsRefusedCredential(error.Code))
        {
            failedAuthentications.RecordFailure(address, arrival.SourceIp);
        }

        await FinishAsync(http, brokerRequest, outcome, decisions, error, null, ct);
    }

    /// <summary>Runs a handler and maps what it throws to AWS errors; returns its outcome or error and the decision trace.</summary>
    private async Task<(ActionOutcome? Outcome, AwsError? Error, IReadOnlyList<string> Decisions)> RunHandlerAsync(
        IActionHandler handler, BrokerRequest brokerRequest, CancellationToken ct)
    {
        var arrival = brokerRequest.Arrival;
        var authorization = authorizer.For(brokerRequest);
        ActionOutcome? outcome = null;
        AwsError? error = null;
        IReadOnlyList<string> notes = NoDecisions;
        try
        {
            outcome = await handler.HandleAsync(new ActionContext(brokerRequest, authorization), ct);
            notes = outcome.Notes;
        }
        catch (AwsErrorException ex)
        {
            error = ex.Error;
            notes = ex.Notes;
        }
        catch (StateException ex)
        {
            error = BrokerErrors.FromState(ex);
        }
        catch (StoreUnavailableException ex)
        {
            LogStoreUnavailable(logger, arrival.RequestId, ex);
            error = BrokerErrors.ServiceUnavailable;
        }
        catch (StateContentionException ex)
        {
            LogStoreBusy(logger, arrival.RequestId, ex);
            error = BrokerErrors.ServiceUnavailable;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            error = new AwsError("RequestCanceled", "The client closed the connection.", 499);
        }
        catch (Exception ex)
        {
            LogHandlerFailed(logger, arrival.RequestId, handler.Service, handler.Action, ex);
            error = BrokerErrors.InternalFailure;
        }

        return (outcome, error, DecisionTrace(authorization.Decisions, notes));
    }

    /// <summary>The audit record's decision trace: the authorization decisions in order, then what the handler noted.</summary>
    private static IReadOnlyList<string> DecisionTrace(IReadOnlyList<AuthorizationDecision> decisions, IReadOnlyList<string> notes)
    {
        if (decisions.Count == 0)
        {
            return notes;
        }

        var trace = new List<string>(decisions.Count + notes.Count);
        foreach (var decision in decisions)
        {
            trace.Add(decision.AuditText);
        }

        trace.AddRange(notes);
        return trace;
    }

    /// <summary>Stages 7–8 of a request that did not authenticate: its small fixed-size record (unless refused unaudited), then the error.</summary>
    private async Task RefuseUnauthenticatedAsync(
        HttpContext http, RequestArrival arrival, QueryService service, string? action, string? attemptedAccessKeyId, AwsError error, bool audited,
        CancellationToken ct)
    {
        var payload = QueryResponseWriter.ErrorToBytes(service.XmlNamespace, error, arrival.RequestId);
        var status = error.HttpStatus;
        if (audited)
        {
            var record = AuditRecordFactory.CreateUnauthenticated(
                arrival, service.SigningName, action, settings.Region, attemptedAccessKeyId, settings.AccountId, error);
            (status, payload) = await AppendAsync(record, null, null, arrival.RequestId, service, status, payload);
        }
        else
        {
            LogThrottledUnaudited(logger, arrival.RequestId, arrival.SourceIp);
        }

        RequestTelemetry.Describe(http, arrival.RequestId, service.SigningName, action, null, error.Code, status);
        await RespondAsync(http, arrival.RequestId, status, payload, ct);
    }

    /// <summary>Stages 7–8 of an authenticated request: audit (durable first, with the decisions and the handler's outcome), then the XML answer.</summary>
    private async Task FinishAsync(
        HttpContext http, BrokerRequest request, ActionOutcome? outcome, IReadOnlyList<string> decisions, AwsError? error, AccessKeyUse? keyUse,
        CancellationToken ct)
    {
        byte[] payload;
        int status;
        var service = request.Service;
        if (error is null && outcome is not null && request.Action is not null)
        {
            try
            {
                payload = QueryResponseWriter.ToBytes(service.XmlNamespace, request.Action, request.RequestId, outcome.WriteResult);
                status = 200;
            }
            catch (Exception ex)
            {
                LogHandlerFailed(logger, request.RequestId, service.SigningName, request.Action, ex);
                error = BrokerErrors.InternalFailure;
                payload = QueryResponseWriter.ErrorToBytes(service.XmlNamespace, error, request.RequestId);
                status = error.HttpStatus;
            }
        }
        else
        {
            error ??= BrokerErrors.InternalFailure;
            payload = QueryResponseWriter.ErrorToBytes(service.XmlNamespace, error, request.RequestId);
            status = error.HttpStatus;
        }

        var record = AuditRecordFactory.Create(request, decisions, outcome?.ResponseElements, error);

        // A credential issued on the cluster is recorded even when the answer failed afterwards: the reaper and revocation
        // must know every login role that exists.
        (status, payload) = await AppendAsync(record, error is null ? keyUse : null, outcome?.IssuedCredential, request.RequestId, service, status, payload);
        RequestTelemetry.Describe(http, request.RequestId, service.SigningName, request.Action, request.Caller.Arn, error?.Code, status);
        await RespondAsync(http, request.RequestId, status, payload, ct);
    }

    /// <summary>Makes the record durable; when that fails the answer becomes InternalFailure: no durable record, no answer.</summary>
    private async Task<(int Status, byte[] Payload)> AppendAsync(
        AuditRecord record, AccessKeyUse? keyUse, IssuedCredential? credential, string requestId, QueryService service, int status, byte[] payload)
    {
        try
        {
            await audit.AppendAsync(record, keyUse, credential);
            return (status, payload);
        }
        catch (Exception ex)
        {
            // No durable record, no answer: refuse rather than act unaudited (503 when the store is unreachable).
            LogAuditFailed(logger, requestId, ex);
            var refusal = ex is StoreUnavailableException ? BrokerErrors.ServiceUnavailable : BrokerErrors.InternalFailure;
            return (refusal.HttpStatus, QueryResponseWriter.ErrorToBytes(service.XmlNamespace, refusal, requestId));
        }
    }

    private async Task RespondAsync(HttpContext http, string requestId, int status, byte[] payload, CancellationToken ct)
    {
        if (status == 499 || ct.IsCancellationRequested)
        {
            return;
        }

        var response = http.Response;
        response.StatusCode = status;
        response.ContentType = QueryContentTypes.Xml;
        response.ContentLength = payload.Length;
        response.Headers["x-amzn-RequestId"] = requestId;
        response.Headers.Date = time.GetUtcNow().ToString("R", System.Globalization.CultureInfo.InvariantCulture);
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

    [LoggerMessage(EventId = 2008, Level = LogLevel.Warning, Message = "Client {SourceIp} sent unsigned token-bearing STS calls faster than its budget; they are answered Throttling until it refills")]
    private static partial void LogTokenBearerThrottled(ILogger logger, string sourceIp);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Debug, Message = "Request {RequestId} from {SourceIp} refused: too many failed authentications (not audited)")]
    private static partial void LogThrottledUnaudited(ILogger logger, string requestId, string sourceIp);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Error, Message = "Request {RequestId} ({Service}:{Action}) failed unexpectedly")]
    private static partial void LogHandlerFailed(ILogger logger, string requestId, string service, string action, Exception exception);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Request {RequestId}: the state store stayed busy")]
    private static partial void LogStoreBusy(ILogger logger, string requestId, Exception exception);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Warning, Message = "Request {RequestId}: the state store is unreachable; answering ServiceUnavailable")]
    private static partial void LogStoreUnavailable(ILogger logger, string requestId, Exception exception);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Error, Message = "Request {RequestId}: the audit record could not be written; answering InternalFailure")]
    private static partial void LogAuditFailed(ILogger logger, string requestId, Exception exception);
}
