using System.Net;
using System.Text.Json;

namespace Threshold.Testing;

/// <summary>The fixed parts of driving the public API: a home's place, the shared password, request bodies, and how answers are read.</summary>
public static class Api
{
    public const double HomeLat = 52.520008;
    public const double HomeLon = 13.404954;

    /// <summary>Every account the driver registers has this password.</summary>
    public const string Password = "correct horse battery staple";

    /// <summary>A carrier policy open every day 00:00–23:59 for remote entry.</summary>
    public static object EveryDayPolicy(bool cameraRequired = true) => new
    {
        days = new[] { "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday" },
        from = "00:00",
        to = "23:59",
        entryMethod = "remote",
        cameraRequired,
    };

    /// <summary>An arrival about 11 m from the home, well inside the geofence, scanning <paramref name="barcode"/>.</summary>
    public static object AtTheDoor(string barcode = "PKG-1") =>
        new { latitude = HomeLat + 0.0001, longitude = HomeLon, accuracy = 10.0, packageBarcode = barcode };

    /// <summary>Asserts the status and returns the JSON body (default when empty).</summary>
    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected,
            $"Expected {expected}, got {(int)response.StatusCode} from {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Asserts a problem+json answer with this status and code; returns the problem.</summary>
    public static async Task<JsonElement> ProblemAsync(this HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {status}/{code}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal(code, problem.GetProperty("code").GetString());
        return problem;
    }
}
