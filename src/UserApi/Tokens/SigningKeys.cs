using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.FileProviders.Physical;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using UserApi.Configuration;

namespace UserApi.Tokens;

/// <summary>
/// The current <see cref="SigningKeyRing"/>, read at start-up from the validated <c>Auth</c> section and read
/// again, without a restart, when the configuration or one of the key files changes (and on SIGHUP, through
/// <see cref="Reload"/>): a rotation is an edit of the YAML file. A reload that finds a problem keeps the
/// ring that works and logs each problem; it never stops the service.
/// </summary>
public sealed class SigningKeys : IDisposable
{
    /// <summary>Files are often written in more than one step: the watcher waits this long for the last one.</summary>
    private static readonly TimeSpan SettleDelay = TimeSpan.FromMilliseconds(250);

    private readonly IOptionsFactory<AuthOptions>? _factory;
    private readonly IConfiguration? _configuration;
    private readonly string _contentRoot;
    private readonly ILogger _logger;
    private readonly Lock _reloadLock = new();
    private readonly List<PhysicalFileProvider> _watchers = [];
    private readonly IDisposable? _subscription;
    private volatile SigningKeyRing _current;
    private IReadOnlyList<string> _files;
    private int _reloadPending;
    private CancellationTokenSource _rewatch = new();

    /// <summary>A ring that never changes (tests, benchmarks).</summary>
    public SigningKeys(SigningKeyRing ring)
    {
        _current = ring;
        _contentRoot = Directory.GetCurrentDirectory();
        _logger = NullLogger.Instance;
        _files = [];
    }

    public SigningKeys(IOptions<AuthOptions> options, string contentRoot) : this(SigningKeyRing.Create(options.Value, contentRoot))
    {
    }

    /// <summary>The service's ring: <paramref name="options"/> is the validated start-up state, <paramref name="factory"/> makes it again on a change.</summary>
    public SigningKeys(IOptions<AuthOptions> options, IOptionsFactory<AuthOptions> factory, IConfiguration configuration, string contentRoot, ILogger<SigningKeys> logger)
    {
        _factory = factory;
        _configuration = configuration;
        _contentRoot = contentRoot;
        _logger = logger;
        _current = SigningKeyRing.Create(options.Value, contentRoot);
        _files = FilesOf(options.Value);
        _subscription = ChangeToken.OnChange(WatchToken, ReloadSoon);
    }

    public SigningKeyRing Current => _current;

    /// <summary>Raised after the ring was replaced: what was validated with the old one must be validated again.</summary>
    public event Action? Changed;

    /// <summary>Makes <paramref name="ring"/> the current one.</summary>
    public void Replace(SigningKeyRing ring)
    {
        _current = ring;
        Changed?.Invoke();
    }

    /// <summary>
    /// Reads the <c>Auth</c> section and the key files again; the new ring replaces the current one only when
    /// every check passes. False when it did not (each problem is logged: kids and paths, never key material).
    /// </summary>
    public bool Reload()
    {
        if (_factory is null)
        {
            return false;
        }
        lock (_reloadLock)
        {
            try
            {
                var options = _factory.Create(Options.DefaultName);
                if (options.Algorithm != _current.Algorithm)
                {
                    // Switching algorithms refuses every access token issued before: a restart's decision, not an
                    // edit's. This also keeps a YAML file read while half-written (seen as empty, so HS256 by
                    // default) from switching a running ES256 service to the secret it may hold in its environment.
                    _logger.LogError("Signing keys not reloaded, the current ones stay in use: Auth.Algorithm changed from {Current} to {Configured}; restart the service to switch algorithms.", _current.Algorithm, options.Algorithm);
                    return false;
                }
                var ring = SigningKeyRing.Create(options, _contentRoot);
                var files = FilesOf(options);
                if (!files.SequenceEqual(_files))
                {
                    // Another set of files to watch: the watch is made again from them.
                    _files = files;
                    lock (_watchers)
                    {
                        _rewatch.Cancel();
                    }
                }
                Replace(ring);
                _logger.LogInformation("Signing keys reloaded: {Algorithm}, access-token kids {Kids} (the first signs).", ring.Algorithm, string.Join(", ", ring.AccessKeys.Select(k => k.KeyId)));
                return true;
            }
            catch (OptionsValidationException e)
            {
                foreach (var failure in e.Failures)
                {
                    _logger.LogError("Signing keys not reloaded, the current ones stay in use: {Problem}", failure);
                }
                return false;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                // A file changed again between the validation and the read (a rotation still being written).
                _logger.LogError("Signing keys not reloaded, the current ones stay in use: {Problem}", e.Message);
                return false;
            }
        }
    }

    public void Dispose()
    {
        _subscription?.Dispose();
        lock (_watchers)
        {
            _watchers.ForEach(w => w.Dispose());
            _watchers.Clear();
            _rewatch.Dispose();
        }
    }

    private IReadOnlyList<string> FilesOf(AuthOptions options) =>
        [.. options.SigningKeys.Where(k => k.Path.Length > 0).Select(k => Path.GetFullPath(k.Path, _contentRoot))];

    /// <summary>What signals a change: the configuration's reload, and each key file (watched by its directory).</summary>
    private IChangeToken WatchToken()
    {
        var tokens = new List<IChangeToken> { _configuration!.GetReloadToken() };
        lock (_watchers)
        {
            // The previous source is left to the collector: this may run inside its own Cancel.
            _rewatch = new CancellationTokenSource();
            tokens.Add(new CancellationChangeToken(_rewatch.Token));
            _watchers.ForEach(w => w.Dispose());
            _watchers.Clear();
            foreach (var directory in _files.GroupBy(Path.GetDirectoryName))
            {
                if (directory.Key is null || !Directory.Exists(directory.Key))
                {
                    continue;
                }
                // ExclusionFilters.None: a Kubernetes secret volume swaps its files through hidden ..data links.
                var watcher = new PhysicalFileProvider(directory.Key, ExclusionFilters.None);
                _watchers.Add(watcher);
                tokens.AddRange(directory.Select(file => watcher.Watch(Path.GetFileName(file))));
            }
        }
        return new CompositeChangeToken(tokens);
    }

    private void ReloadSoon()
    {
        if (Interlocked.Exchange(ref _reloadPending, 1) == 1)
        {
            return;
        }
        _ = Task.Run(async () =>
        {
            await Task.Delay(SettleDelay);
            Interlocked.Exchange(ref _reloadPending, 0);
            Reload();
        });
    }
}
