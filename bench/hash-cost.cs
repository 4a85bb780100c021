#:package NSec.Cryptography@26.4.0
// Password hashes alone on this machine, with libsodium's Argon2id through NSec as the API hashes
// (Users/Argon2idPasswordHasher.cs). Two uses:
//
//   dotnet run bench/hash-cost.cs -- --rate <threads> <seconds>     (bench/run.sh)
//     The pure hash rate: <threads> threads hash at once, in one process, for <seconds> of wall-clock
//     time, each after one unmeasured hash. Prints one line,
//       HASH threads=<n> hashes=<count> seconds=<wall> rate=<hashes per wall-clock second> cpu_ms=<CPU ms per hash>
//     with Gatehouse's parameters (m=19456 KiB, t=2, p=1, 32 bytes): what the machine's cores deliver
//     when they do nothing but hash, the reference for sign-ins and registrations.
//
//   dotnet run bench/hash-cost.cs -- [seconds per hash, default 2]     (bench/capacity.sh)
//     The CPU cost of one hash, on one thread and on as many as the API runs at once, for Gatehouse's
//     hash and for the hashes Keycloak's published sizing was measured with, so that capacity.sh can
//     say how much of a sign-in is the hash and docs/capacity.md can compare like with like. Prints one
//     tab-separated line per hash: name, threads, CPU milliseconds per hash, of which system (kernel)
//     time, hashes per CPU-second.
//
// libsodium maps a fresh region for Argon2's memory on every hash and unmaps it after, so the kernel's
// work of supplying 19 MiB of zeroed pages is part of each hash, here as in the API.
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using NSec.Cryptography;

var salt = RandomNumberGenerator.GetBytes(16);
const string password = "correct horse battery staple";
const int GatehouseMemoryKiB = 19 * 1024; // PasswordHashingOptions' defaults
const int GatehousePasses = 2;
byte[] Gatehouse() => Argon2id(GatehouseMemoryKiB, GatehousePasses);

if (args.Length == 3 && args[0] == "--rate")
{
    var threads = int.Parse(args[1], CultureInfo.InvariantCulture);
    var seconds = double.Parse(args[2], CultureInfo.InvariantCulture);
    Console.WriteLine(Rate(threads, seconds));
    return;
}

var perHashSeconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 2.0;
// On one thread, and on as many threads as the API hashes at once (2 per core): hashes that run
// side by side share caches and memory bandwidth, and a memory-hard hash then costs more CPU time.
var concurrent = 2 * Environment.ProcessorCount;
foreach (var threads in new[] { 1, concurrent })
{
    Measure("argon2id m=19456 t=2 p=1 (Gatehouse, libsodium)", threads, Gatehouse);
}
Measure("argon2id m=7168 t=5 p=1 (Keycloak's sizing runs, here in libsodium)", 1, () => Argon2id(7 * 1024, 5));
Measure("pbkdf2-sha256 27500 (Keycloak's earlier default, .NET)", 1, () => Rfc2898DeriveBytes.Pbkdf2(password, salt, 27_500, HashAlgorithmName.SHA256, 32));

byte[] Argon2id(int memoryKiB, int passes) =>
    PasswordBasedKeyDerivationAlgorithm.Argon2id(new Argon2Parameters
    {
        DegreeOfParallelism = 1,
        MemorySize = memoryKiB,
        NumberOfPasses = passes,
    }).DeriveBytes(password, salt, 32);

// Every thread hashes once unmeasured (the JIT, the first touch of libsodium), then all start together
// and each hashes until <seconds> have passed since the start, counting its hashes and its own end.
// The rate is the sum of each thread's hashes ÷ its own time, so a thread's last hash that runs past
// the end is counted with the time it took, not cut off or spread over the others.
string Rate(int threads, double seconds)
{
    using var ready = new Barrier(threads + 1);
    var counts = new int[threads];
    var ends = new double[threads];
    var wall = new Stopwatch();
    var workers = Enumerable.Range(0, threads).Select(i => new Thread(() =>
    {
        Gatehouse();
        ready.SignalAndWait();
        while (wall.Elapsed.TotalSeconds < seconds)
        {
            Gatehouse();
            counts[i]++;
        }
        ends[i] = wall.Elapsed.TotalSeconds;
    })).ToList();
    workers.ForEach(worker => worker.Start());
    var process = Process.GetCurrentProcess();
    ready.SignalAndWait(); // every thread has hashed once; the measured part starts now
    process.Refresh();
    var cpuBefore = process.TotalProcessorTime;
    wall.Start();
    workers.ForEach(worker => worker.Join());
    process.Refresh();
    var cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
    var count = counts.Sum();
    var rate = Enumerable.Range(0, threads).Sum(i => counts[i] / ends[i]);
    return FormattableString.Invariant(
        $"HASH threads={threads} hashes={count} seconds={ends.Max():F3} rate={rate:F2} cpu_ms={cpu * 1000 / count:F2}");
}

void Measure(string name, int threads, Func<byte[]> hash)
{
    hash(); // warm up: JIT, and the first touch of the hash's memory
    var process = Process.GetCurrentProcess();
    process.Refresh();
    var cpuBefore = process.TotalProcessorTime;
    var systemBefore = process.PrivilegedProcessorTime;
    var wall = Stopwatch.StartNew();
    var count = 0;
    var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
    {
        while (wall.Elapsed.TotalSeconds < perHashSeconds)
        {
            hash();
            Interlocked.Increment(ref count);
        }
    })).ToList();
    workers.ForEach(worker => worker.Start());
    workers.ForEach(worker => worker.Join());
    process.Refresh();
    var cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
    var system = (process.PrivilegedProcessorTime - systemBefore).TotalSeconds;
    Console.WriteLine(FormattableString.Invariant($"{name}\t{threads}\t{cpu * 1000 / count:F1}\t{system * 1000 / count:F1}\t{count / cpu:F1}"));
}
