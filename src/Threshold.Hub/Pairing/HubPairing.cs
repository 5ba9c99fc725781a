using System.Diagnostics.CodeAnalysis;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Threshold.Hub.Storage;
using Threshold.Protocol.Keys;
using Threshold.Protocol.Pairing;

namespace Threshold.Hub.Pairing;

/// <summary>Pairing failed: <see cref="Code"/> is the server's problem <c>code</c> (e.g. invalid_code) or a local one.</summary>
public sealed class HubPairingException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}

/// <summary>
/// Pairs this hub with a server (docs/hub-protocol.md "Pairing"; the records are Protocol's <see cref="PairingRequest"/>
/// and <see cref="PairingResponse"/>): creates the P-256 signing and sealing keys, sends only their public halves, and
/// stores the answer as the hub's identity with the private keys (mode 0600) in the data directory.
/// Given the owner's pairing string (<see cref="PairingString"/>), an answer whose server key or broker certificate is not
/// the one it names is refused and nothing is stored (<see cref="PairingAnchor"/>); a bare code only over loopback or
/// HTTPS (<see cref="PairingTransport"/>).
/// </summary>
public static class HubPairing
{
    /// <param name="codeOrPairingString">The owner's pairing string (<c>thr1:…</c>) or, over loopback or HTTPS, the bare code.</param>
    public static async Task<PairingResponse> PairAsync(
        HttpClient http, string serverUrl, string codeOrPairingString, string name, string dataDirectory, CancellationToken ct, bool force = false)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentException.ThrowIfNullOrWhiteSpace(serverUrl);
        ArgumentException.ThrowIfNullOrWhiteSpace(codeOrPairingString);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        var anchor = PairingAnchor.Read(codeOrPairingString);
        if (!Uri.TryCreate(serverUrl.EndsWith('/') ? serverUrl : serverUrl + "/", UriKind.Absolute, out var server))
        {
            throw new HubPairingException(PairingTransport.BadServerUrl, $"'{serverUrl}' is not a URL.");
        }

        if (PairingTransport.RefusalBeforePairing(server, anchor) is var (refusal, why))
        {
            throw new HubPairingException(refusal, why);
        }

        if (HubDataDirectory.IsPaired(dataDirectory) && !force)
        {
            throw new HubPairingException("already_paired", $"The hub in '{dataDirectory}' is already paired; use --force to pair again.");
        }

        using var signing = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var sealing = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var code = anchor?.Code ?? codeOrPairingString.Trim();
        var request = new PairingRequest(code, name.Trim(), KeyEncoding.ExportPublicSpki(signing), KeyEncoding.ExportPublicSpki(sealing));
        var url = new Uri(server, PairingEndpoint.Path.TrimStart('/'));
        using var response = await http.PostAsJsonAsync(url, request, PairingJson.Request, ct);
        if (!response.IsSuccessStatusCode)
        {
            var problemCode = "pairing_failed";
            var detail = $"The server answered {(int)response.StatusCode}.";
            try
            {
                using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
                if (problem.RootElement.ValueKind == JsonValueKind.Object)
                {
                    if (problem.RootElement.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String)
                    {
                        problemCode = c.GetString()!;
                    }

                    if (problem.RootElement.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String)
                    {
                        detail = d.GetString()!;
                    }
                }
            }
            catch (JsonException)
            {
            }

            throw new HubPairingException(problemCode, detail);
        }

        PairingResponse? identity;
        try
        {
            identity = await response.Content.ReadFromJsonAsync(PairingJson.Response, ct);
        }
        catch (JsonException e)
        {
            throw new HubPairingException("bad_response", "The server's pairing answer is not valid: " + e.Message);
        }

        Validate(identity);
        PairingAnchor.Check(identity, anchor);
        HubDataDirectory.Save(dataDirectory, identity, signing, sealing);
        return identity;
    }

    private static void Validate([NotNull] PairingResponse? identity)
    {
        if (!HubDataDirectory.IsComplete(identity))
        {
            throw new HubPairingException("bad_response", "The server's pairing answer is incomplete.");
        }

        if (identity.Mqtt.CertificateSha256 is { } pin && !Fingerprint.IsWellFormed(pin))
        {
            throw new HubPairingException("bad_response", "The broker certificate fingerprint in the server's pairing answer is not a SHA-256 fingerprint.");
        }

        foreach (var key in identity.ServerKeys)
        {
            try
            {
                using var imported = KeyEncoding.ImportEcdsaPublicSpki(key.Spki);
            }
            catch (Protocol.ProtocolException)
            {
                throw new HubPairingException("bad_response", $"Server key '{key.Kid}' is not a P-256 public key.");
            }
        }
    }
}
