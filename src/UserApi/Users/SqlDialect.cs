using System.Data.Common;
using Microsoft.Data.Sqlite;
using UserApi.Configuration;

namespace UserApi.Users;

/// <summary>What differs between the databases the user store runs on; the SQL itself is shared.</summary>
public abstract class SqlDialect
{
    public abstract DataSourceKind Kind { get; }

    /// <summary>The expression that yields the id of the row just inserted on this connection.</summary>
    public abstract string LastInsertIdExpression { get; }

    public abstract DbConnection CreateConnection();

    /// <summary>Rows per statement when many are inserted at once (the audit log's batches).</summary>
    public abstract int RowsPerInsert { get; }

    public abstract bool IsUniqueViolation(DbException exception);

    /// <summary>Creates the database itself when the server does not have it yet (first start).</summary>
    public virtual Task EnsureDatabaseExistsAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Serialises migrations between instances that start at the same moment.</summary>
    public abstract Task<IAsyncDisposable> LockForMigrationAsync(DbConnection connection, CancellationToken cancellationToken);

    public static SqlDialect For(DataSource dataSource) => dataSource.Kind switch
    {
        DataSourceKind.Sqlite => new SqliteDialect(dataSource.ConnectionString),
        DataSourceKind.MySql => new MySqlDialect(dataSource.ConnectionString),
        _ => throw new ArgumentOutOfRangeException(nameof(dataSource)),
    };
}

public sealed class SqliteDialect : SqlDialect
{
    private const int SqliteConstraint = 19;
    private const int SqliteConstraintUnique = 2067;
    private const int SqliteConstraintPrimaryKey = 1555;

    private readonly string _connectionString;

    public SqliteDialect(string connectionString)
    {
        _connectionString = connectionString;
        var file = new SqliteConnectionStringBuilder(connectionString).DataSource;
        if (!string.IsNullOrEmpty(file) && file != ":memory:" && Path.GetDirectoryName(Path.GetFullPath(file)) is { } directory)
        {
            Directory.CreateDirectory(directory);
        }
    }

    public override DataSourceKind Kind => DataSourceKind.Sqlite;

    public override string LastInsertIdExpression => "last_insert_rowid()";

    public override DbConnection CreateConnection() => new SqliteConnection(_connectionString);

    // In process, a statement costs no round trip: one row, prepared once and bound again, is SQLite's fastest insert.
    public override int RowsPerInsert => 1;

    public override bool IsUniqueViolation(DbException exception) =>
        exception is SqliteException { SqliteErrorCode: SqliteConstraint, SqliteExtendedErrorCode: SqliteConstraintUnique or SqliteConstraintPrimaryKey };

    public override async Task<IAsyncDisposable> LockForMigrationAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        // WAL lets readers proceed while a writer commits; it is a property of the file, so set it once here.
        await using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText = "PRAGMA journal_mode=WAL;";
            await pragma.ExecuteNonQueryAsync(cancellationToken);
        }
        return NoLock.Instance;
    }

    private sealed class NoLock : IAsyncDisposable
    {
        public static readonly NoLock Instance = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

public sealed class MySqlDialect(string connectionString) : SqlDialect
{
    private const string LockName = "user-api.migrations";

    public override DataSourceKind Kind => DataSourceKind.MySql;

    public override string LastInsertIdExpression => "LAST_INSERT_ID()";

    public override DbConnection CreateConnection() => new MySqlConnector.MySqlConnection(connectionString);

    // Each statement is a round trip to the server; 100 rows of 9 parameters stay far below its limit of 65,535.
    public override int RowsPerInsert => 100;

    public override bool IsUniqueViolation(DbException exception) =>
        exception is MySqlConnector.MySqlException { ErrorCode: MySqlConnector.MySqlErrorCode.DuplicateKeyEntry };

    public override async Task EnsureDatabaseExistsAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var probe = CreateConnection();
            await probe.OpenAsync(cancellationToken);
        }
        catch (MySqlConnector.MySqlException e) when (e.ErrorCode == MySqlConnector.MySqlErrorCode.UnknownDatabase)
        {
            var builder = new MySqlConnector.MySqlConnectionStringBuilder(connectionString);
            var name = builder.Database.Replace("`", "``", StringComparison.Ordinal);
            builder.Database = "";
            await using var server = new MySqlConnector.MySqlConnection(builder.ConnectionString);
            await server.OpenAsync(cancellationToken);
            await using var create = server.CreateCommand();
            create.CommandText = $"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin";
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public override async Task<IAsyncDisposable> LockForMigrationAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = $"SELECT GET_LOCK('{LockName}', 60)";
            if (Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken)) != 1)
            {
                throw new TimeoutException("Another instance held the migration lock for 60 seconds.");
            }
        }
        return new Release(connection);
    }

    private sealed class Release(DbConnection connection) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT RELEASE_LOCK('{LockName}')";
            await command.ExecuteScalarAsync();
        }
    }
}
