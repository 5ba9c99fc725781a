namespace Threshold.Demo;

/// <summary>Files of generated credentials (demo.json, home-broker.json): readable by the installing user only.</summary>
internal static class PrivateFile
{
    public static void Write(string path, string text)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var file = new StreamWriter(path, options);
        file.Write(text);
    }
}
