using System.Text.Json;
using System.Text.Json.Serialization;

namespace UserApi.Contracts;

/// <summary>
/// Source-generated serialisation for every request and response. Duplicate properties are refused,
/// so <c>{"username":"a","username":"b"}</c> cannot mean different things to different parsers.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, AllowDuplicateProperties = false)]
[JsonSerializable(typeof(RegisterRequest))]
[JsonSerializable(typeof(LoginRequest))]
[JsonSerializable(typeof(RefreshRequest))]
[JsonSerializable(typeof(GetUserRequest))]
[JsonSerializable(typeof(TokenRequest))]
[JsonSerializable(typeof(LoginResponse))]
[JsonSerializable(typeof(UserInfoResponse))]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(GetUserResponse))]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(ChangePasswordRequest))]
[JsonSerializable(typeof(SessionListResponse))]
[JsonSerializable(typeof(JsonWebKeySetResponse))]
[JsonSerializable(typeof(DiscoveryResponse))]
[JsonSerializable(typeof(IntrospectionResponse))]
[JsonSerializable(typeof(LoginMfaRequest))]
[JsonSerializable(typeof(MfaCodeRequest))]
[JsonSerializable(typeof(DisableMfaRequest))]
[JsonSerializable(typeof(TotpEnrolmentResponse))]
[JsonSerializable(typeof(RecoveryCodesResponse))]
[JsonSerializable(typeof(SetEmailRequest))]
[JsonSerializable(typeof(VerifyEmailRequest))]
[JsonSerializable(typeof(ForgotPasswordRequest))]
[JsonSerializable(typeof(ResetPasswordRequest))]
[JsonSerializable(typeof(MailAcceptedResponse))]
[JsonSerializable(typeof(CreateUserRequest))]
[JsonSerializable(typeof(UpdateUserRequest))]
[JsonSerializable(typeof(AdminUserResponse))]
[JsonSerializable(typeof(AdminUserPageResponse))]
[JsonSerializable(typeof(RevokeAllResponse))]
[JsonSerializable(typeof(AuditPageResponse))]
public sealed partial class UserApiJsonContext : JsonSerializerContext;
