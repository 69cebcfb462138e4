using Microsoft.Extensions.Configuration;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace UserApi.Configuration;

/// <summary>
/// A YAML file as configuration keys, parsed by YamlDotNet: mappings become sections, sequences become
/// indexed sections (<c>CacheRedis:0:Host</c>), as go-zero's conf package reads the same file.
/// (NetEscapades.Configuration.Yaml, the usual choice, is built against a YamlDotNet API that no longer exists.)
/// </summary>
public sealed class YamlConfigurationSource : FileConfigurationSource
{
    public override IConfigurationProvider Build(IConfigurationBuilder builder)
    {
        EnsureDefaults(builder);
        return new YamlConfigurationProvider(this);
    }
}

public sealed class YamlConfigurationProvider(YamlConfigurationSource source) : FileConfigurationProvider(source)
{
    public override void Load(Stream stream)
    {
        var yaml = new YamlStream();
        try
        {
            yaml.Load(new StreamReader(stream));
        }
        catch (YamlException e)
        {
            throw new FormatException($"{Source.Path} is not valid YAML at line {e.Start.Line}, column {e.Start.Column}: {e.Message}", e);
        }

        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (yaml.Documents.Count > 0)
        {
            Visit(yaml.Documents[0].RootNode, null, data);
        }
        Data = data;
    }

    private static void Visit(YamlNode node, string? path, Dictionary<string, string?> data)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                foreach (var (key, value) in mapping.Children)
                {
                    var name = ((YamlScalarNode)key).Value ?? "";
                    Visit(value, path is null ? name : ConfigurationPath.Combine(path, name), data);
                }
                break;
            case YamlSequenceNode sequence:
                for (var i = 0; i < sequence.Children.Count; i++)
                {
                    Visit(sequence.Children[i], ConfigurationPath.Combine(path ?? "", i.ToString(System.Globalization.CultureInfo.InvariantCulture)), data);
                }
                break;
            case YamlScalarNode scalar when path is not null:
                // A plain `~` or `null` is YAML's null; a quoted one is the text.
                data[path] = scalar.Style == ScalarStyle.Plain && scalar.Value is "~" or "null" or "" ? "" : scalar.Value;
                break;
        }
    }
}

public static class YamlConfigurationExtensions
{
    public static IConfigurationBuilder AddYamlFile(this IConfigurationBuilder builder, string path) => builder.AddYamlFile(path, reloadOnChange: false);

    /// <summary>
    /// With <paramref name="reloadOnChange"/>, the file is read again when it changes (the signing keys follow it).
    /// A file that fails to load at that point is ignored rather than thrown on the file watcher's thread, which
    /// would end the process: the configuration is then empty until the file is fixed (the library empties it), and
    /// whatever follows it keeps its last valid state (<c>Tokens/SigningKeys</c> refuses an empty one). The first
    /// load still throws.
    /// </summary>
    public static IConfigurationBuilder AddYamlFile(this IConfigurationBuilder builder, string path, bool reloadOnChange)
    {
        var loaded = false;
        var source = new YamlConfigurationSource { Path = path, Optional = false, ReloadOnChange = reloadOnChange };
        if (reloadOnChange)
        {
            source.OnLoadException = context => context.Ignore = loaded;
        }
        source.ResolveFileProvider();
        builder.Add(source);
        // A ConfigurationManager (the host's) has loaded the file by now; a ConfigurationBuilder loads it at
        // Build(), after this, and so would ignore a first failure: reloading is for the host's configuration only.
        loaded = builder is ConfigurationManager;
        return builder;
    }
}
