using System.Text.Json;
using UserApi.Tests.Passwords;
using UserApi.Tests.Support;

namespace UserApi.Tests.Startup;

/// <summary><c>user-api import</c>'s exit codes and messages, against an SQLite file of the test's own (MySqlAndRedis.GoZeroImportTests imports into the production stores).</summary>
public sealed class ImportCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("user-api-import-").FullName;

    [Fact]
    public async Task AnImportWithARefusedLineExitsWith1AndNamesTheLine()
    {
        var file = Path.Combine(_directory, "users.jsonl");
        await File.WriteAllLinesAsync(file,
        [
            JsonSerializer.Serialize(new { username = ApiClient.NewUsername(), passwordHash = ImportedPasswordHashesTests.IdentityV3Sha256 }),
            JsonSerializer.Serialize(new { username = ApiClient.NewUsername(), passwordHash = "plain text password" }),
        ]);

        await using var import = ServiceProcess.Start(["import", file], Environment(), _directory);

        var exitCode = await import.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 1, $"exit code {exitCode}:\n{import.Output}");
        Assert.Contains("line 2: refused: passwordHash must be", import.Output);
        Assert.DoesNotContain("plain text password", import.Output);
        Assert.Contains("1 imported, 0 already present, 1 refused.", import.Output);
    }

    [Theory]
    [InlineData(new string[] { "import" }, "usage: user-api import FILE")]
    [InlineData(new string[] { "import", "no-such-file.jsonl" }, "no-such-file.jsonl: no such file.")]
    public async Task ImportWithoutAReadableFileExplainsItselfWithExitCode2(string[] args, string message)
    {
        await using var import = ServiceProcess.Start(args, Environment(), _directory);
        Assert.Equal(2, await import.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains(message, import.Output);
    }

    private Dictionary<string, string> Environment() => new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["UserApi__DataSource"] = $"sqlite:{Path.Combine(_directory, "users.db")}",
        ["UserApi__Auth__AccessSecret"] = UserApiFactory.AccessSecret,
        ["UserApi__Auth__RefreshSecret"] = UserApiFactory.RefreshSecret,
    };

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
