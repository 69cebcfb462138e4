using MySqlConnector;
using UserApi.Configuration;

namespace UserApi.Tests.Configuration;

public sealed class DataSourceTests
{
    private static DataSource Parse(string? value)
    {
        Assert.True(DataSource.TryParse(value, "/srv/app", out var dataSource, out var error), error);
        return dataSource;
    }

    private static string ParseError(string value)
    {
        Assert.False(DataSource.TryParse(value, "/srv/app", out _, out var error));
        return error;
    }

    [Fact]
    public void TheSeedsGoDsnBecomesAMySqlConnectionString()
    {
        var dataSource = Parse("root:password@tcp(127.0.0.1:3306)/userdb?parseTime=true");
        Assert.Equal(DataSourceKind.MySql, dataSource.Kind);
        var builder = new MySqlConnectionStringBuilder(dataSource.ConnectionString);
        Assert.Equal("127.0.0.1", builder.Server);
        Assert.Equal(3306u, builder.Port);
        Assert.Equal("root", builder.UserID);
        Assert.Equal("password", builder.Password);
        Assert.Equal("userdb", builder.Database);
    }

    [Fact]
    public void AGoDsnPasswordMayContainAtSignsAndColons()
    {
        var builder = new MySqlConnectionStringBuilder(Parse("app:p@ss:w0rd@tcp(db.internal:3307)/users").ConnectionString);
        Assert.Equal("app", builder.UserID);
        Assert.Equal("p@ss:w0rd", builder.Password);
        Assert.Equal("db.internal", builder.Server);
        Assert.Equal(3307u, builder.Port);
    }

    [Fact]
    public void AGoDsnWithoutAddressUsesTheLocalDefault()
    {
        var builder = new MySqlConnectionStringBuilder(Parse("root@/userdb").ConnectionString);
        Assert.Equal("127.0.0.1", builder.Server);
        Assert.Equal(3306u, builder.Port);
        Assert.Equal("root", builder.UserID);
    }

    [Fact]
    public void AGoDsnMayUseAUnixSocket()
    {
        var builder = new MySqlConnectionStringBuilder(Parse("root:pw@unix(/run/mysqld/mysqld.sock)/userdb").ConnectionString);
        Assert.Equal("/run/mysqld/mysqld.sock", builder.Server);
        Assert.Equal(MySqlConnectionProtocol.UnixSocket, builder.ConnectionProtocol);
    }

    [Fact]
    public void AGoDsnMapsCharsetTimeoutAndTls()
    {
        var builder = new MySqlConnectionStringBuilder(Parse("u:p@tcp(h:3306)/db?charset=utf8mb4,utf8&timeout=5s&tls=true&loc=Local").ConnectionString);
        Assert.Equal("utf8mb4", builder.CharacterSet);
        Assert.Equal(5u, builder.ConnectionTimeout);
        Assert.Equal(MySqlSslMode.VerifyFull, builder.SslMode);
    }

    [Fact]
    public void AnAdoNetConnectionStringIsAccepted()
    {
        var dataSource = Parse("Server=db;Port=3307;User ID=app;Password=secret;Database=users");
        Assert.Equal(DataSourceKind.MySql, dataSource.Kind);
        var builder = new MySqlConnectionStringBuilder(dataSource.ConnectionString);
        Assert.Equal("db", builder.Server);
        Assert.Equal("users", builder.Database);
    }

    [Fact]
    public void SqlitePathsResolveAgainstTheBaseDirectory()
    {
        var dataSource = Parse("sqlite:data/users.db");
        Assert.Equal(DataSourceKind.Sqlite, dataSource.Kind);
        Assert.Contains("Data Source=/srv/app/data/users.db", dataSource.ConnectionString);
        Assert.Contains("Data Source=/var/lib/users.db", Parse("sqlite:/var/lib/users.db").ConnectionString);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void AnAbsentDataSourceIsTheEmbeddedSqliteFile(string? value)
    {
        var dataSource = Parse(value);
        Assert.Equal(DataSourceKind.Sqlite, dataSource.Kind);
        Assert.Contains("Data Source=/srv/app/data/user-api.db", dataSource.ConnectionString);
    }

    [Theory]
    [InlineData("root:password@tcp(127.0.0.1:notaport)/userdb", "port")]
    [InlineData("root:password@tcp(127.0.0.1:3306/userdb", "parenthesis")]
    [InlineData("root:password@udp(127.0.0.1:3306)/userdb", "protocol 'udp'")]
    [InlineData("root:password@tcp(127.0.0.1:3306)/userdb?bogus=1", "'bogus'")]
    [InlineData("root:password@tcp(127.0.0.1:3306)/userdb?timeout=soon", "timeout")]
    [InlineData("just-a-word", "DSN")]
    [InlineData("Server=db;Frobnicate=yes", "connection string")]
    [InlineData("sqlite:", "file path")]
    public void AnUnparsableDataSourceIsReportedWithItsCause(string value, string expected)
    {
        Assert.Contains(expected, ParseError(value));
    }

    [Fact]
    public void DescribeHidesThePassword()
    {
        var description = Parse("root:hunter2@tcp(127.0.0.1:3306)/userdb").Describe();
        Assert.DoesNotContain("hunter2", description);
        Assert.Contains("127.0.0.1", description);
    }
}
