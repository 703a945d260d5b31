using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kad.Control;

/// <summary>Source-generated JSON for the status protocol: trimming-safe, no reflection at run time.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = false)]
[JsonSerializable(typeof(ControlRequest))]
[JsonSerializable(typeof(ControlResponse))]
[JsonSerializable(typeof(PlanResult))]
public sealed partial class ControlJsonContext : JsonSerializerContext
{
    private static ControlJsonContext? s_indented;

    /// <summary>The same contract, indented, for <c>dotnet-kad status --json</c>.</summary>
    public static ControlJsonContext Indented =>
        s_indented ??= new ControlJsonContext(new JsonSerializerOptions(Default.Options) { WriteIndented = true });
}
