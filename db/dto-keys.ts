import type { ApiKeyDto } from "../lib/api-keys-types";
import type { ApiKey } from "./schema";
import { iso } from "./dto";

export function toApiKeyDto(key: ApiKey): ApiKeyDto {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    callbackUrl: key.callbackUrl,
    createdAt: key.createdAt.toISOString(),
    lastUsedAt: iso(key.lastUsedAt),
    revokedAt: iso(key.revokedAt),
  };
}
