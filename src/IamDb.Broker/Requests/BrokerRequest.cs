using IamDb.Aws.Query;

namespace IamDb.Broker.Requests;

/// <summary>
/// What the transport says about a request when it arrives, before anything of it is read or authenticated.
/// </summary>
/// <param name="RequestId">The id the answer and the audit record carry.</param>
/// <param name="Started">When the request arrived.</param>
/// <param name="SourceIp">The client's address (feeds <c>aws:SourceIp</c>).</param>
/// <param name="SecureTransport">True when the request arrived over TLS (feeds <c>aws:SecureTransport</c>).</param>
/// <param name="UserAgent">The <c>User-Agent</c> header, or null.</param>
internal sealed record RequestArrival(string RequestId, DateTimeOffset Started, string SourceIp, bool SecureTransport, string? UserAgent);

/// <summary>
/// One authenticated request, built once by the pipeline after SigV4 verification and parameter decoding and never
/// changed afterwards: the handler, the authorization and the audit record all read these facts from here.
/// </summary>
/// <param name="Arrival">The transport facts (id, start time, source address, TLS, user agent).</param>
/// <param name="Service">The service the request was signed for, with its XML namespace and version.</param>
/// <param name="Action">The <c>Action</c> parameter (for example <c>CreateUser</c>); null when the request named none.</param>
/// <param name="Parameters">The decoded parameters (form body or query string).</param>
/// <param name="Caller">Who signed, resolved from the access key (and session).</param>
/// <param name="Region">The region of the request's SigV4 scope.</param>
internal sealed record BrokerRequest(
    RequestArrival Arrival, QueryService Service, string? Action, QueryParameters Parameters, CallerIdentity Caller, string Region)
{
    /// <inheritdoc cref="RequestArrival.RequestId"/>
    public string RequestId => Arrival.RequestId;

    /// <inheritdoc cref="RequestArrival.Started"/>
    public DateTimeOffset Started => Arrival.Started;

    /// <inheritdoc cref="RequestArrival.SourceIp"/>
    public string SourceIp => Arrival.SourceIp;

    /// <inheritdoc cref="RequestArrival.SecureTransport"/>
    public bool SecureTransport => Arrival.SecureTransport;
}
