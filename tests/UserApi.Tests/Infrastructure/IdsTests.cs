using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;
using UserApi.Infrastructure;

namespace UserApi.Tests.Infrastructure;

public sealed class IdsTests
{
    [Fact]
    public void NewIdsAre128RandomBitsInBase64Url()
    {
        var ids = Enumerable.Range(0, 1000).Select(_ => Ids.New()).ToList();
        Assert.All(ids, id => Assert.Equal(16, Base64UrlEncoder.DecodeBytes(id).Length));
        Assert.All(ids, id => Assert.Matches("^[A-Za-z0-9_-]{22}$", id));
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    /// <summary>Each thread draws its ids from a random block of its own, refilled every 64 ids.</summary>
    [Fact]
    public async Task IdsMadeOnManyThreadsAreAllDistinct()
    {
        var perThread = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Factory.StartNew(
            () => Enumerable.Range(0, 200).Select(_ => Ids.New()).ToList(), TaskCreationOptions.LongRunning)));
        var ids = perThread.SelectMany(list => list).ToList();
        Assert.Equal(1600, ids.Count);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(ids, id => Assert.Matches("^[A-Za-z0-9_-]{22}$", id));
    }

    /// <summary>
    /// Every instance must derive the same access-token id from a refresh token's (a retried refresh gets the
    /// very same tokens from any instance, old version or new): the first 128 bits of SHA-256("purpose:id").
    /// </summary>
    [Theory]
    [InlineData("access", "AAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("access", "q5J1x-_0bXW3n2Jk8ZcL4g")]
    [InlineData("other", "ünïcødé")]
    [InlineData("access", "")]
    public void ADerivedIdIsTheTruncatedSha256OfPurposeAndId(string purpose, string id)
    {
        var expected = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.UTF8.GetBytes($"{purpose}:{id}"))[..16]);
        Assert.Equal(expected, Ids.Derived(purpose, id));
        Assert.Equal(expected, Ids.Derived(purpose, id));
    }

    [Fact]
    public void ALongIdIsDerivedToo()
    {
        var id = new string('x', 5000);
        var expected = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.UTF8.GetBytes($"access:{id}"))[..16]);
        Assert.Equal(expected, Ids.Derived("access", id));
    }
}
