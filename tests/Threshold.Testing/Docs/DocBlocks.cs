namespace Threshold.Testing;

/// <summary>Reads fenced code blocks out of the repository's docs, so a test can hold code and documentation together.</summary>
public static class DocBlocks
{
    /// <summary>The text of the first block fenced as <c>```<paramref name="info"/></c> in <paramref name="doc"/> (a path under the repository root).</summary>
    public static string Read(string doc, string info)
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryRoot(), doc));
        var start = Array.IndexOf(lines, "```" + info);
        Assert.True(start >= 0, $"{doc} has no ```{info} block");
        var end = Array.IndexOf(lines, "```", start + 1);
        Assert.True(end > start, $"{doc}: the ```{info} block is not closed");
        return string.Join('\n', lines[(start + 1)..end]) + "\n";
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Threshold.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Threshold.slnx not found above " + AppContext.BaseDirectory);
    }
}
