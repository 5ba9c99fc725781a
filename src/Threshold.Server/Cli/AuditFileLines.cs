using System.Text;

namespace Threshold.Server.Cli;

/// <summary>
/// Reads an exported trail line by line without trusting its size: a line longer than any entry can be stops the
/// read (its text is null) instead of being built in memory.
/// </summary>
internal static class AuditFileLines
{
    /// <summary>Far above any real entry (request bodies are capped at 64 KiB).</summary>
    public const int MaxLineChars = 1 << 20;

    public static IEnumerable<(int Number, string? Text)> Read(TextReader reader)
    {
        var line = new StringBuilder();
        var number = 1;
        int c;
        while ((c = reader.Read()) != -1)
        {
            if (c == '\n')
            {
                yield return (number++, Text(line));
                line.Clear();
            }
            else if (line.Length == MaxLineChars)
            {
                yield return (number, null);
                yield break;
            }
            else
            {
                line.Append((char)c);
            }
        }

        if (line.Length > 0)
        {
            yield return (number, Text(line));
        }
    }

    private static string Text(StringBuilder line) =>
        line.Length > 0 && line[^1] == '\r' ? line.ToString(0, line.Length - 1) : line.ToString();
}
