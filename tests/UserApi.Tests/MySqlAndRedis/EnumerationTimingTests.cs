using UserApi.Tests.Security;
using UserApi.Tests.Support;
using Xunit.Abstractions;

namespace UserApi.Tests.MySqlAndRedis;

/// <summary>
/// The timing comparison in production mode, where the two paths do differ: the known user comes from the
/// Redis cache, the unknown name is a database miss. (On the cluster the same keys are only routed
/// elsewhere, so one Redis deployment is enough; the comparison runs alone and costs its time.)
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class MySqlRedisEnumerationTimingTests(MySqlRedisBackend app, ITestOutputHelper output) : EnumerationTimingTests(app, output), IClassFixture<MySqlRedisBackend>;
