namespace UserApi.Configuration;

/// <summary>The files Development writes its generated secrets and keys to: under <c>data/</c>, readable by the owner only.</summary>
internal static class DevelopmentFiles
{
    public static void WritePrivate(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
