using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.Tokens;
using UserApi.Tests.Support;

namespace UserApi.Tests.Interop;

/// <summary>
/// A verifier outside .NET: the npm <c>jose</c> package checks a UserApi token against the JWKS endpoint.
/// Node.js and the npm registry are required (installed once into the test output's jose-interop folder);
/// without them the test fails, saying which is missing.
/// </summary>
public sealed class JoseInteropTests : IAsyncLifetime
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "jose-interop");

    private const string VerifyScript = """
        import { createRemoteJWKSet, jwtVerify } from 'jose';
        const [jwksUrl, issuer, token] = process.argv.slice(2);
        try {
          const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(jwksUrl)),
            { issuer, audience: 'user-api', algorithms: ['ES256'], typ: 'at+jwt' });
          console.log(JSON.stringify({ ok: true, sub: payload.sub, kid: protectedHeader.kid }));
        } catch (e) {
          console.log(JSON.stringify({ ok: false, code: e.code ?? String(e) }));
        }
        """;

    private UserApiProcess _userApi = null!;

    public async Task InitializeAsync() => _userApi = await UserApiProcess.StartAsync();

    public async Task DisposeAsync() => await _userApi.DisposeAsync();

    [Fact]
    public async Task JoseVerifiesAUserApiTokenWithTheJwksAndRefusesAForgedOne()
    {
        await InstallJoseAsync();
        var (access, _) = await _userApi.NewSessionAsync();

        var verified = await VerifyAsync(access);
        Assert.True(verified.GetProperty("ok").GetBoolean(), verified.ToString());
        Assert.Equal(Jwt.Payload(access).GetProperty("sub").GetString(), verified.GetProperty("sub").GetString());
        Assert.Equal("k1", verified.GetProperty("kid").GetString());

        using var attacker = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var payload = JsonNode.Parse(Base64UrlEncoder.Decode(access.Split('.')[1]))!.AsObject();
        var forged = Jwt.Sign(new JsonObject { ["alg"] = "ES256", ["kid"] = "k1", ["typ"] = "at+jwt" }, payload, input => attacker.SignData(input, HashAlgorithmName.SHA256));
        var refused = await VerifyAsync(forged);
        Assert.False(refused.GetProperty("ok").GetBoolean());
        Assert.Equal("ERR_JWS_SIGNATURE_VERIFICATION_FAILED", refused.GetProperty("code").GetString());
    }

    private async Task<JsonElement> VerifyAsync(string token)
    {
        var (exit, output) = await RunAsync("node", ["verify.mjs", _userApi.JwksUrl, _userApi.BaseUrl, token], TimeSpan.FromSeconds(60));
        Assert.True(exit == 0, $"node verify.mjs exited with {exit}: {output}");
        return JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement;
    }

    private static async Task InstallJoseAsync()
    {
        var (nodeExit, nodeVersion) = await RunAsync("node", ["--version"], TimeSpan.FromSeconds(30));
        Assert.True(nodeExit == 0, $"Node.js is required for this test (node --version: {nodeVersion}).");
        Directory.CreateDirectory(Folder);
        await File.WriteAllTextAsync(Path.Combine(Folder, "verify.mjs"), VerifyScript);
        if (File.Exists(Path.Combine(Folder, "node_modules", "jose", "package.json")))
        {
            return;
        }
        await File.WriteAllTextAsync(Path.Combine(Folder, "package.json"), """{"private": true, "type": "module"}""");
        var (exit, output) = await RunAsync("npm", ["install", "jose@6", "--no-audit", "--no-fund"], TimeSpan.FromMinutes(4));
        Assert.True(exit == 0, $"npm install jose failed (is the npm registry reachable?): {output}");
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, string[] args, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = Folder, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        Directory.CreateDirectory(Folder);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, $"{file} could not be started: {e.Message}");
        }
        using (process)
        {
            using var cancellation = new CancellationTokenSource(timeout);
            var stdout = process.StandardOutput.ReadToEndAsync(cancellation.Token);
            var stderr = process.StandardError.ReadToEndAsync(cancellation.Token);
            try
            {
                await process.WaitForExitAsync(cancellation.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                return (-1, $"{file} did not finish within {timeout}");
            }
            return (process.ExitCode, await stdout + await stderr);
        }
    }
}
