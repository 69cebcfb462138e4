using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace UserApi.Tests.Support;

public sealed record IssuedTokens(string AccessToken, string RefreshToken, long ExpiresIn, long RefreshExpiresIn, long RefreshAfter, string TokenType);

/// <summary>The calls a client of the service makes, and the checks every functional test repeats.</summary>
public static class ApiClient
{
    public const string Password = "correct horse battery";

    public static string NewUsername(string prefix = "user") => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 17, 60)];

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string path, string json, string? accessToken = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (accessToken is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", accessToken);
        }
        return client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> RegisterAsync(this HttpClient client, string username, string password = Password) =>
        client.PostAsJsonAsync("/user/register", new { username, password });

    public static Task<HttpResponseMessage> LoginAsync(this HttpClient client, string username, string password = Password) =>
        client.PostAsJsonAsync("/user/login", new { username, password });

    public static Task<HttpResponseMessage> RefreshAsync(this HttpClient client, string refreshToken) =>
        client.PostAsJsonAsync("/user/refresh", new { refreshToken });

    /// <summary>A new user, logged in: its id and first token pair.</summary>
    public static async Task<(long Id, string Username, IssuedTokens Tokens)> NewSessionAsync(this HttpClient client, string prefix = "user")
    {
        var username = NewUsername(prefix);
        var registered = await client.RegisterAsync(username);
        Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
        var id = (await registered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        var login = await client.LoginAsync(username);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        return (id, username, (await login.Content.ReadFromJsonAsync<IssuedTokens>())!);
    }

    public static Task<HttpResponseMessage> GetWithAuthorizationAsync(this HttpClient client, string path, string? authorization)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }
        return client.SendAsync(request);
    }

    /// <summary>A bodiless request carrying the access token as a Bearer credential.</summary>
    public static Task<HttpResponseMessage> SendWithTokenAsync(this HttpClient client, HttpMethod method, string path, string accessToken)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = Bearer(accessToken);
        return client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> UserInfoAsync(this HttpClient client, string accessToken) =>
        client.GetWithAuthorizationAsync("/user/info", $"Bearer {accessToken}");

    /// <summary>Asserts an RFC 9457 problem response with the given status and machine code.</summary>
    public static async Task<JsonElement> AssertProblemAsync(this HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status} {code}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        Assert.Equal(code, problem.GetProperty("code").GetString());
        return problem;
    }

    public static async Task AssertInvalidTokenAsync(this HttpResponseMessage response, string code = "token_invalid")
    {
        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, code);
        Assert.Equal("Bearer error=\"invalid_token\"", response.Headers.WwwAuthenticate.ToString());
    }

    public static async Task<JsonElement> AssertOkJsonAsync(this HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"Expected 200, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(body).RootElement;
    }

    public static AuthenticationHeaderValue Bearer(string token) => new("Bearer", token);
}
