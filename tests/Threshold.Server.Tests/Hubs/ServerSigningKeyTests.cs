using Threshold.Server.Data;
using Threshold.Server.Hubs;

namespace Threshold.Server.Tests.Hubs;

/// <summary>The server's command keys on disk: the current one, and the ones kept only while a hub still trusts them.</summary>
public sealed class ServerSigningKeyTests : IDisposable
{
    private readonly DataDirectory dir = new(Path.Combine(Path.GetTempPath(), "thr-keys-" + Guid.NewGuid().ToString("N")));

    public void Dispose() => Directory.Delete(dir.Path, recursive: true);

    [Fact]
    public void Rotate_OldKeyKeptForItsHubs_BothSurviveARestart_RetireDeletesIt()
    {
        string oldKid, newKid;
        using (var keys = new ServerSigningKey(dir))
        {
            oldKid = keys.KeyId;
            newKid = keys.Rotate();

            Assert.NotEqual(oldKid, newKid);
            Assert.Equal(newKid, keys.KeyId);
            Assert.NotNull(keys.SignerFor(oldKid, TimeProvider.System));
        }

        using (var restarted = new ServerSigningKey(dir))
        {
            Assert.Equal(newKid, restarted.KeyId);
            Assert.Equal([newKid, oldKid], restarted.Kids);
            Assert.NotNull(restarted.PublicSpkiOf(oldKid));

            restarted.Retire(new HashSet<string> { newKid });

            Assert.Null(restarted.SignerFor(oldKid, TimeProvider.System));
        }

        using var again = new ServerSigningKey(dir);
        Assert.Equal([newKid], again.Kids);
        Assert.Null(again.SignerFor(oldKid, TimeProvider.System));
    }

    [Fact]
    public void Rotate_KeyFiles_ReadableOnlyByTheServersUser()
    {
        using var keys = new ServerSigningKey(dir);
        var oldKid = keys.KeyId;

        keys.Rotate();

        if (!OperatingSystem.IsWindows())
        {
            var owner = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            Assert.Equal(owner, File.GetUnixFileMode(Path.Combine(dir.Path, "keys", "command-signing.pem")));
            Assert.Equal(owner, File.GetUnixFileMode(Path.Combine(dir.Path, "keys", "command-signing-retired", oldKid + ".pem")));
        }
    }

    [Fact]
    public void SignerFor_UnknownKid_Null_EmptyKidIsTheCurrentKey()
    {
        using var keys = new ServerSigningKey(dir);

        Assert.Null(keys.SignerFor("no-such-kid", TimeProvider.System));
        Assert.NotNull(keys.SignerFor("", TimeProvider.System));
    }
}
