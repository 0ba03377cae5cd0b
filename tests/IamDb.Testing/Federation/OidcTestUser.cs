using System.Net;
using System.Text.RegularExpressions;

namespace IamDb.Testing.Federation;

/// <summary>
/// A person at a browser, played by a test against an <see cref="OidcProviderProcess"/>: enters a device flow's user
/// code, or follows an authorization URL, signs in with any name through the development interactions and consents.
/// Each instance is one browser (its own cookies).
/// </summary>
public sealed partial class OidcTestUser : IDisposable
{
    private const int MaxSteps = 20;
    private readonly OidcProviderProcess _provider;
    private readonly HttpClient _browser;

    /// <summary>A browser for <paramref name="provider"/> signing in as <paramref name="login"/>.</summary>
    public OidcTestUser(OidcProviderProcess provider, string login)
    {
        _provider = provider;
        Login = login;
        _browser = provider.CreateBrowser();
    }

    /// <summary>The login name typed on the sign-in page (it becomes the ID token's <c>sub</c>).</summary>
    public string Login { get; }

    /// <summary>
    /// Opens <paramref name="verificationUri"/>, enters <paramref name="userCode"/>, confirms, signs in and consents.
    /// With <paramref name="deny"/> the person aborts at the confirmation instead (the device then gets <c>access_denied</c>).
    /// </summary>
    public async Task ApproveDeviceAsync(Uri verificationUri, string userCode, bool deny = false, CancellationToken ct = default)
    {
        var page = await ReadAsync(await _browser.GetAsync(verificationUri, ct), ct);
        var xsrf = Hidden(page, "xsrf");
        page = await ReadAsync(await PostAsync(verificationUri, [new("xsrf", xsrf), new("user_code", userCode)], ct), ct);
        xsrf = Hidden(page, "xsrf");
        if (deny)
        {
            await ReadAsync(await PostAsync(verificationUri, [new("xsrf", xsrf), new("user_code", userCode), new("abort", "yes")], ct), ct);
            return;
        }

        var response = await PostAsync(verificationUri, [new("xsrf", xsrf), new("user_code", Hidden(page, "user_code")), new("confirm", "yes")], ct);
        var final = await InteractAsync(response, ct);
        if (final is not null)
        {
            throw new InvalidOperationException($"the device flow ended in a redirect to {final}, not the success page");
        }
    }

    /// <summary>
    /// Follows an authorization URL through sign-in and consent to the redirect that leaves the provider, and visits
    /// it (as a browser would visit the loopback callback). Returns the callback's URL and the page it answered.
    /// </summary>
    public async Task<(Uri Callback, HttpStatusCode Status, string Body)> SignInAsync(Uri authorizationUrl, CancellationToken ct = default)
    {
        var callback = await InteractAsync(await _browser.GetAsync(authorizationUrl, ct), ct)
            ?? throw new InvalidOperationException("the authorization ended on a page of the provider, not in a redirect to the client");
        using var plain = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var answer = await plain.GetAsync(callback, ct);
        return (callback, answer.StatusCode, await answer.Content.ReadAsStringAsync(ct));
    }

    /// <inheritdoc />
    public void Dispose() => _browser.Dispose();

    // Follows redirects inside the provider and fills its login and consent forms; returns the first URL outside the
    // provider, or null when it ends on a page without a form (the device flow's success page).
    private async Task<Uri?> InteractAsync(HttpResponseMessage response, CancellationToken ct)
    {
        for (var step = 0; step < MaxSteps; step++)
        {
            var current = response;
            try
            {
                if ((int)current.StatusCode is >= 300 and < 400)
                {
                    var location = new Uri(current.RequestMessage!.RequestUri!, current.Headers.Location!);
                    if (location.GetLeftPart(UriPartial.Authority) != _provider.IssuerText)
                    {
                        return location;
                    }

                    response = await _browser.GetAsync(location, ct);
                    continue;
                }

                var page = await current.Content.ReadAsStringAsync(ct);
                if (!current.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"the provider answered HTTP {(int)current.StatusCode}: {Shorten(page)}");
                }

                var action = FormAction().Match(page);
                if (!action.Success)
                {
                    return null;
                }

                var target = new Uri(current.RequestMessage!.RequestUri!, WebUtility.HtmlDecode(action.Groups[1].Value));
                var prompt = Hidden(page, "prompt");
                List<KeyValuePair<string, string>> fields = prompt switch
                {
                    "login" => [new("prompt", "login"), new("login", Login), new("password", "any password")],
                    "consent" => [new("prompt", "consent")],
                    _ => throw new InvalidOperationException($"unexpected interaction '{prompt}'"),
                };
                response = await PostAsync(target, fields, ct);
            }
            finally
            {
                current.Dispose();
            }
        }

        throw new InvalidOperationException($"no end after {MaxSteps} steps of the provider's interaction");
    }

    private Task<HttpResponseMessage> PostAsync(Uri target, List<KeyValuePair<string, string>> fields, CancellationToken ct) =>
        _browser.PostAsync(target, new FormUrlEncodedContent(fields), ct);

    private static async Task<string> ReadAsync(HttpResponseMessage response, CancellationToken ct)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            if ((int)response.StatusCode >= 400)
            {
                throw new InvalidOperationException($"the provider answered HTTP {(int)response.StatusCode}: {Shorten(body)}");
            }

            return body;
        }
    }

    private static string Hidden(string page, string name)
    {
        foreach (Match input in InputTag().Matches(page))
        {
            var tag = input.Value;
            if (Attribute(tag, "name") == name && Attribute(tag, "value") is { } value)
            {
                return WebUtility.HtmlDecode(value);
            }
        }

        throw new InvalidOperationException($"no field '{name}' on the provider's page: {Shorten(page)}");
    }

    private static string? Attribute(string tag, string name)
    {
        var match = Regex.Match(tag, "\\b" + name + "=\"([^\"]*)\"");
        return match.Success ? match.Groups[1].Value : null;
    }

    private static string Shorten(string text) => text.Length <= 400 ? text : text[..400] + "…";

    [GeneratedRegex("<form[^>]*\\baction=\"([^\"]+)\"", RegexOptions.IgnoreCase)]
    private static partial Regex FormAction();

    [GeneratedRegex("<input[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex InputTag();
}
