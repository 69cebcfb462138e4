namespace UserApi.Configuration;

/// <summary>
/// go-zero's command line: <c>user-api [migrate | import FILE | disable USERNAME | enable USERNAME | delete USERNAME |
/// user add USERNAME [--role ROLE] | user set-role USERNAME ROLE | help] [-f etc/user-api.yaml] [--Key=Value ...]</c>.
/// Whatever is not <c>-f</c> or the command is left for ASP.NET Core's command-line configuration.
/// </summary>
public sealed record CommandLine(string ConfigFile, bool ConfigFileGiven, string? Command, string[] Rest)
{
    public const string DefaultConfigFile = "etc/user-api.yaml";

    /// <summary>The command's operand: the username of <c>disable</c>, <c>enable</c> and <c>delete</c>, the file of <c>import</c>.</summary>
    public string? Argument { get; init; }

    /// <summary>The operands of <c>user</c>: its subcommand and what follows it (<c>add NAME</c>, <c>set-role NAME ROLE</c>).</summary>
    public IReadOnlyList<string> Operands { get; init; } = [];

    /// <summary><c>user add</c>'s <c>--role</c>; null: the default role.</summary>
    public string? Role { get; init; }

    public static readonly string[] Commands = ["serve", "migrate", "import", "disable", "enable", "delete", "user", "help"];

    public bool IsHelp => Command == "help";

    public static CommandLine Parse(string[] args)
    {
        string? file = null;
        string? command = null;
        string? argument = null;
        string? role = null;
        var operands = new List<string>();
        var rest = new List<string>();
        var valueExpected = false;
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            // `--Key value` is configuration too: the word after a switch without '=' is its value, never a command
            // or a command's operand.
            var valueOfSwitch = valueExpected;
            valueExpected = false;
            if (arg is "-f" or "--f" && i + 1 < args.Length)
            {
                file = args[++i];
            }
            else if (arg.StartsWith("-f=", StringComparison.Ordinal))
            {
                file = arg[3..];
            }
            else if (command is null && !valueOfSwitch && Commands.Contains(arg))
            {
                command = arg;
            }
            else if (arg is "--help" or "-h" or "-?")
            {
                command = "help";
            }
            else if (command == "user" && arg == "--role" && i + 1 < args.Length)
            {
                role = args[++i];
            }
            else if (command == "user" && !valueOfSwitch && !arg.StartsWith('-'))
            {
                operands.Add(arg);
            }
            else if (command is "import" or "disable" or "enable" or "delete" && argument is null && !valueOfSwitch && (!arg.StartsWith('-') || arg == "-"))
            {
                argument = arg;
            }
            else
            {
                rest.Add(arg);
                valueExpected = !valueOfSwitch && IsSwitchWithoutValue(arg);
            }
        }
        return new CommandLine(file ?? DefaultConfigFile, file is not null, command, [.. rest]) { Argument = argument, Operands = operands, Role = role };
    }

    private static bool IsSwitchWithoutValue(string arg) => arg.StartsWith('-') && arg.Length > 1 && !arg.Contains('=');
}
