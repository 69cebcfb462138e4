using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Collections.Concurrent;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using UserApi.Configuration;
using UserApi.Diagnostics;
using UserApi.Tokens;

namespace UserApi.Authentication;

/// <summary>The outcome of checking an access token: the caller, or why the token was refused.</summary>
public readonly record struct CheckedAccessToken(AccessTokenPrincipal? Caller, TokenFailure Failure);

/// <summary>
/// Access-token validation (<see cref="TokenService.ValidateAccessTokenAsync"/>), remembered per token: a client
/// presents the same access token on every request until it refreshes, and the signature, claims and shape of
/// a given token never change, so only its first presentation pays for them. The lifetime is checked again on
/// every hit, against the injected clock; revocation is checked per request after this.
/// </summary>
/// <remarks>
/// <para>Bounded in bytes (<see cref="AuthOptions.TokenCacheMegabytes"/>): an entry keeps what a request needs
/// (the caller, its not-before and expiry), not the token, and its cost is reserved before it is added, so no
/// flood of tokens takes the cache past its budget. When the budget is reached, a sweep removes expired entries,
/// then entries not presented again since the previous sweep, then the ones nearest their expiry, down to
/// nine tenths of the budget; it never clears the whole cache.</para>
/// <para>An anonymous token's entry shares one principal (<see cref="AccessTokenPrincipal.Anonymous"/>): it costs
/// no more than its key and lifetime. A hit hands out the principal built on the first validation; that is
/// safe because nothing in this service mutates a principal or identity (no claims transformation).</para>
/// </remarks>
public sealed class AccessTokenCache
{
    /// <summary>What an entry costs on the heap with its dictionary node, its share of the buckets and the
    /// shared principal (bench/Tools <c>token-cache-memory</c>; bench/RESULTS.md, 2026-12-03).</summary>
    public const int AnonymousEntryBytes = 160;

    /// <summary>An entry with a principal of its own (a registered user's: user id, session id, role), before
    /// the characters of its session id and role, which are added as they come.</summary>
    public const int RegisteredEntryBytes = 1280;

    private const int LifetimeSlots = 64;

    private readonly TokenService _tokens;
    private readonly TimeProvider _time;
    private readonly UserApiMetrics _metrics;
    private readonly TimeSpan _clockSkew;
    private readonly string _issuer;
    private readonly long _slotTicks;
    private readonly long _budget;
    private readonly ConcurrentDictionary<SignatureKey, Entry> _entries = new();
    private readonly Lock _sweep = new();
    private long _bytes;
    private int _count;

    public AccessTokenCache(TokenService tokens, IOptions<AuthOptions> options, TimeProvider time, UserApiMetrics metrics)
    {
        _tokens = tokens;
        _time = time;
        _metrics = metrics;
        _clockSkew = tokens.AccessValidation.ClockSkew;
        _issuer = tokens.AccessValidation.ValidIssuer;
        _slotTicks = Math.Max(1, (options.Value.AccessLifetime + _clockSkew).Ticks / LifetimeSlots);
        _budget = options.Value.TokenCacheMegabytes * 1024L * 1024L;
        metrics.ObserveAccessTokenCache(() => Volatile.Read(ref _count), () => Volatile.Read(ref _bytes));
        // A key taken out of the ring (a retired or compromised one) must stop its tokens at once.
        tokens.KeysChanged += Clear;
    }

    /// <summary>Entries held now.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>What the entries held now cost, as reserved against the budget.</summary>
    public long Bytes => Volatile.Read(ref _bytes);

    /// <summary>The budget, <see cref="AuthOptions.TokenCacheMegabytes"/> in bytes.</summary>
    public long Budget => _budget;

    public ValueTask<CheckedAccessToken> CheckAsync(ReadOnlyMemory<char> token)
    {
        // Found by its signature, an HMAC or a signature under our key, so no two valid tokens share its first 128 bits;
        // the hash of the whole token then refuses a known signature over other contents. It needs no key: to
        // aim at the stored hash one must know the whole token, which already is that caller's credential.
        if (SignatureKey.Of(token.Span) is { } key
            && _entries.TryGetValue(key, out var entry)
            && entry.Check == CheckOf(token.Span))
        {
            var now = _time.GetUtcNow().UtcDateTime;
            if (now <= entry.Expires + _clockSkew && now >= entry.NotBefore - _clockSkew)
            {
                if (!entry.PresentedAgain)
                {
                    entry.PresentedAgain = true;
                }
                return ValueTask.FromResult(new CheckedAccessToken(entry.Caller, default));
            }
            // Out of its lifetime: let the full validation produce the proper failure.
            Remove(key, entry, "expired");
        }
        return ValidateAndRememberAsync(token);
    }

    /// <summary>Whether the token is held, found without validating or adding it.</summary>
    internal bool Remembers(ReadOnlySpan<char> token) =>
        SignatureKey.Of(token) is { } key && _entries.TryGetValue(key, out var entry) && entry.Check == CheckOf(token);

    // Unseeded: with a seed, XxHash3 derives a secret from it on every call for inputs over 240 bytes.
    private static ulong CheckOf(ReadOnlySpan<char> token) => XxHash3.HashToUInt64(MemoryMarshal.AsBytes(token));

    private async ValueTask<CheckedAccessToken> ValidateAndRememberAsync(ReadOnlyMemory<char> token)
    {
        var result = await _tokens.ValidateAccessTokenAsync(AsString(token));
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt)
        {
            return new CheckedAccessToken(null, TokenService.FailureOf(result));
        }
        var caller = AccessTokenPrincipal.Of(jwt, _issuer);
        if (SignatureKey.Of(token.Span) is { } key)
        {
            var bytes = ReferenceEquals(caller, AccessTokenPrincipal.Anonymous)
                ? AnonymousEntryBytes
                : RegisteredEntryBytes + sizeof(char) * ((caller.SessionId?.Length ?? 0) + (caller.Role?.Length ?? 0));
            Remember(key, new Entry(CheckOf(token.Span), jwt.ValidFrom, jwt.ValidTo, caller, bytes));
        }
        return new CheckedAccessToken(caller, default);
    }

    /// <summary>Adds the entry if its bytes fit the budget, sweeping once when they do not; else the caller
    /// is served without being remembered (and so is any caller while another request sweeps).</summary>
    private void Remember(SignatureKey key, Entry entry)
    {
        if (!Reserve(entry.Bytes))
        {
            if (!_sweep.TryEnter())
            {
                return;
            }
            try
            {
                Sweep();
            }
            finally
            {
                _sweep.Exit();
            }
            if (!Reserve(entry.Bytes))
            {
                return;
            }
        }
        if (_entries.TryAdd(key, entry))
        {
            Interlocked.Increment(ref _count);
        }
        else
        {
            Interlocked.Add(ref _bytes, -entry.Bytes);
        }
    }

    private bool Reserve(int bytes)
    {
        if (Interlocked.Add(ref _bytes, bytes) <= _budget)
        {
            return true;
        }
        Interlocked.Add(ref _bytes, -bytes);
        return false;
    }

    /// <summary>
    /// Frees the cache down to nine tenths of its budget in two passes over the entries, allocating nothing:
    /// expired entries go in the first; the second removes the least worth keeping, ranked by a histogram of
    /// their bytes built in the first. Entries not presented since the previous sweep rank below every entry
    /// that was, nearest expiry first within each: ranked by expiry alone, a flood of fresh tokens used once
    /// would push out the older tokens real clients keep presenting.
    /// </summary>
    private void Sweep()
    {
        var now = _time.GetUtcNow().UtcDateTime;
        Span<long> histogram = stackalloc long[2 * LifetimeSlots];
        foreach (var (key, entry) in _entries)
        {
            if (now > entry.Expires + _clockSkew)
            {
                Remove(key, entry, "expired");
            }
            else
            {
                histogram[Rank(entry, now)] += entry.Bytes;
            }
        }
        var excess = Volatile.Read(ref _bytes) - (_budget - _budget / 10);
        if (excess <= 0)
        {
            return;
        }
        var cutoff = 0;
        var covered = histogram[0];
        while (covered < excess && cutoff < histogram.Length - 1)
        {
            covered += histogram[++cutoff];
        }
        foreach (var (key, entry) in _entries)
        {
            var rank = Rank(entry, now);
            if (rank < cutoff || rank == cutoff && excess > 0)
            {
                excess -= entry.Bytes;
                Remove(key, entry, "budget");
            }
            else
            {
                entry.PresentedAgain = false;
            }
        }
    }

    private int Rank(Entry entry, DateTime now) =>
        (entry.PresentedAgain ? LifetimeSlots : 0) + (int)Math.Clamp((entry.Expires - now).Ticks / _slotTicks, 0, LifetimeSlots - 1);

    private void Clear()
    {
        foreach (var (key, entry) in _entries)
        {
            Remove(key, entry, "keys_changed");
        }
    }

    private void Remove(SignatureKey key, Entry entry, string reason)
    {
        // Only this entry: another request may have put the token's next entry under the key meanwhile.
        if (_entries.TryRemove(new KeyValuePair<SignatureKey, Entry>(key, entry)))
        {
            Interlocked.Add(ref _bytes, -entry.Bytes);
            Interlocked.Decrement(ref _count);
            _metrics.AccessTokenCacheEvictions.Add(1, new KeyValuePair<string, object?>("reason", reason));
        }
    }

    /// <summary>The header's own string when the token is all of it (sent bare), else a copy of its characters.</summary>
    private static string AsString(ReadOnlyMemory<char> token) =>
        MemoryMarshal.TryGetString(token, out var text, out var start, out var length) && start == 0 && length == text.Length
            ? text
            : token.ToString();

    /// <summary>The first 128 bits of a token's signature (HS256's 32 bytes, ES256's 64, RS256's 256): HMAC and
    /// signature output is uniform, so its first 64 bits serve as the hash code.</summary>
    private readonly record struct SignatureKey(ulong First, ulong Second)
    {
        // 24 characters: whole base64 groups, so no unused bits; 18 bytes, of which the first 16 are the key.
        private const int PrefixChars = 24;
        private const int PrefixBytes = 18;

        public static SignatureKey? Of(ReadOnlySpan<char> token)
        {
            var dot = token.LastIndexOf('.');
            Span<byte> prefix = stackalloc byte[PrefixBytes];
            return dot >= 0 && token.Length - dot - 1 >= PrefixChars
                && Base64Url.DecodeFromChars(token.Slice(dot + 1, PrefixChars), prefix, out _, out var written) == OperationStatus.Done && written == PrefixBytes
                    ? new SignatureKey(BinaryPrimitives.ReadUInt64LittleEndian(prefix), BinaryPrimitives.ReadUInt64LittleEndian(prefix[8..]))
                    : null;
        }

        public override int GetHashCode() => (int)First ^ (int)(First >> 32);
    }

    private sealed class Entry(ulong check, DateTime notBefore, DateTime expires, AccessTokenPrincipal caller, int bytes)
    {
        public readonly ulong Check = check;
        public readonly DateTime NotBefore = notBefore;
        public readonly DateTime Expires = expires;
        public readonly AccessTokenPrincipal Caller = caller;
        public readonly int Bytes = bytes;

        /// <summary>Set by a hit, cleared by each sweep: whether a client still presents the token.</summary>
        public bool PresentedAgain;
    }
}
