using System.Data.Common;
using System.Diagnostics.CodeAnalysis;

namespace UserApi.Configuration;

public enum DataSourceKind
{
    Sqlite,
    MySql,
}

/// <summary>
/// The parsed <c>DataSource</c> key. Three spellings are accepted: <c>sqlite:PATH</c>, an ADO.NET
/// connection string (<c>Server=...;Database=...</c>), and the go-sql-driver DSN the seed uses,
/// <c>[user[:password]@][tcp[(host:port)]|unix[(socket)]]/dbname[?param=value&amp;...]</c>.
/// </summary>
public sealed record DataSource(DataSourceKind Kind, string ConnectionString)
{
    public const string DefaultSqlitePath = "data/user-api.db";

    /// <summary>go-sql-driver parameters that have no MySqlConnector counterpart and do not change behaviour here.</summary>
    private static readonly HashSet<string> IgnoredDsnParameters = new(StringComparer.OrdinalIgnoreCase)
    {
        "parseTime", "loc", "collation", "interpolateParams", "multiStatements", "columnsWithAlias",
        "clientFoundRows", "rejectReadOnly", "maxAllowedPacket", "checkConnLiveness", "readTimeout", "writeTimeout",
    };

    public static DataSource Sqlite(string path) =>
        new(DataSourceKind.Sqlite, $"Data Source={path};Pooling=True;Default Timeout=30");

    /// <param name="value">The configured value; null or blank means the embedded SQLite file.</param>
    /// <param name="baseDirectory">Where relative SQLite paths are resolved.</param>
    public static bool TryParse(string? value, string baseDirectory, [NotNullWhen(true)] out DataSource? dataSource, [NotNullWhen(false)] out string? error)
    {
        dataSource = null;
        error = null;
        if (string.IsNullOrWhiteSpace(value))
        {
            dataSource = Sqlite(Path.GetFullPath(DefaultSqlitePath, baseDirectory));
            return true;
        }

        value = value.Trim();
        if (value.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase))
        {
            var path = value["sqlite:".Length..];
            if (path.Length == 0)
            {
                error = "DataSource 'sqlite:' needs a file path, e.g. sqlite:data/user-api.db.";
                return false;
            }
            dataSource = Sqlite(Path.GetFullPath(path, baseDirectory));
            return true;
        }

        return LooksLikeConnectionString(value)
            ? TryParseConnectionString(value, out dataSource, out error)
            : TryParseGoDsn(value, out dataSource, out error);
    }

    private static bool LooksLikeConnectionString(string value)
    {
        var equals = value.IndexOf('=');
        if (equals < 0)
        {
            return false;
        }
        var slash = value.IndexOf('/');
        return slash < 0 || equals < slash;
    }

    private static bool TryParseConnectionString(string value, out DataSource? dataSource, out string? error)
    {
        dataSource = null;
        try
        {
            var builder = new MySqlConnector.MySqlConnectionStringBuilder(value);
            if (string.IsNullOrEmpty(builder.Server))
            {
                error = "DataSource connection string has no Server.";
                return false;
            }
            error = null;
            dataSource = new DataSource(DataSourceKind.MySql, builder.ConnectionString);
            return true;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException)
        {
            error = $"DataSource is not a valid MySQL connection string: {e.Message}";
            return false;
        }
    }

    // Mirrors go-sql-driver's ParseDSN: the last '/' starts the database name, the last '@' before it ends the credentials.
    private static bool TryParseGoDsn(string value, out DataSource? dataSource, out string? error)
    {
        dataSource = null;
        error = null;
        var slash = value.LastIndexOf('/');
        if (slash < 0)
        {
            error = "DataSource is not a DSN of the form user:password@tcp(host:port)/dbname, a connection string, or sqlite:PATH.";
            return false;
        }

        var head = value[..slash];
        var tail = value[(slash + 1)..];
        var builder = new MySqlConnector.MySqlConnectionStringBuilder();

        var at = head.LastIndexOf('@');
        var address = head;
        if (at >= 0)
        {
            var credentials = head[..at];
            address = head[(at + 1)..];
            var colon = credentials.IndexOf(':');
            builder.UserID = colon < 0 ? credentials : credentials[..colon];
            if (colon >= 0)
            {
                builder.Password = credentials[(colon + 1)..];
            }
        }

        if (!TryParseAddress(address, builder, out error))
        {
            return false;
        }

        var question = tail.IndexOf('?');
        builder.Database = Uri.UnescapeDataString(question < 0 ? tail : tail[..question]);
        if (question >= 0 && !TryApplyParameters(tail[(question + 1)..], builder, out error))
        {
            return false;
        }

        dataSource = new DataSource(DataSourceKind.MySql, builder.ConnectionString);
        return true;
    }

    private static bool TryParseAddress(string address, MySqlConnector.MySqlConnectionStringBuilder builder, out string? error)
    {
        error = null;
        var protocol = address;
        var target = "";
        var open = address.IndexOf('(');
        if (open >= 0)
        {
            if (!address.EndsWith(')'))
            {
                error = $"DataSource address '{address}' is missing its closing parenthesis.";
                return false;
            }
            protocol = address[..open];
            target = address[(open + 1)..^1];
        }

        switch (protocol)
        {
            case "" or "tcp":
                var hostPort = target.Length == 0 ? "127.0.0.1:3306" : target;
                var colon = hostPort.LastIndexOf(':');
                builder.Server = colon < 0 ? hostPort : hostPort[..colon].Trim('[', ']');
                if (colon >= 0)
                {
                    if (!uint.TryParse(hostPort[(colon + 1)..], out var port) || port is 0 or > 65535)
                    {
                        error = $"DataSource port in '{hostPort}' is not a number between 1 and 65535.";
                        return false;
                    }
                    builder.Port = port;
                }
                return true;
            case "unix":
                builder.Server = target.Length == 0 ? "/tmp/mysql.sock" : target;
                builder.ConnectionProtocol = MySqlConnector.MySqlConnectionProtocol.UnixSocket;
                return true;
            default:
                error = $"DataSource protocol '{protocol}' is not supported; use tcp(host:port) or unix(/path/to/socket).";
                return false;
        }
    }

    private static bool TryApplyParameters(string query, MySqlConnector.MySqlConnectionStringBuilder builder, out string? error)
    {
        error = null;
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=');
            var key = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? "" : Uri.UnescapeDataString(pair[(equals + 1)..]);
            switch (key.ToLowerInvariant())
            {
                case "charset":
                    builder.CharacterSet = value.Split(',')[0];
                    break;
                case "timeout":
                    if (!TryParseGoDuration(value, out var timeout))
                    {
                        error = $"DataSource parameter timeout={value} is not a duration such as 5s or 500ms.";
                        return false;
                    }
                    builder.ConnectionTimeout = (uint)Math.Max(1, Math.Ceiling(timeout.TotalSeconds));
                    break;
                case "tls":
                    builder.SslMode = value.ToLowerInvariant() switch
                    {
                        "true" => MySqlConnector.MySqlSslMode.VerifyFull,
                        "skip-verify" or "preferred" => MySqlConnector.MySqlSslMode.Required,
                        _ => MySqlConnector.MySqlSslMode.None,
                    };
                    break;
                default:
                    if (!IgnoredDsnParameters.Contains(key))
                    {
                        error = $"DataSource parameter '{key}' is not supported.";
                        return false;
                    }
                    break;
            }
        }
        return true;
    }

    private static bool TryParseGoDuration(string value, out TimeSpan duration)
    {
        duration = default;
        var units = new (string Suffix, double Seconds)[] { ("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600) };
        foreach (var (suffix, seconds) in units)
        {
            if (value.EndsWith(suffix, StringComparison.Ordinal)
                && double.TryParse(value[..^suffix.Length], System.Globalization.CultureInfo.InvariantCulture, out var amount)
                && amount > 0)
            {
                duration = TimeSpan.FromSeconds(amount * seconds);
                return true;
            }
        }
        return false;
    }

    /// <summary>The connection string without its password, for log lines.</summary>
    public string Describe()
    {
        var builder = new DbConnectionStringBuilder { ConnectionString = ConnectionString };
        foreach (var key in new[] { "Password", "Pwd" })
        {
            if (builder.ContainsKey(key))
            {
                builder[key] = "***";
            }
        }
        return $"{Kind}: {builder.ConnectionString}";
    }
}
