import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsOptional, IsString, Matches, MaxLength, MinLength, Validate, type ValidatorConstraintInterface, ValidatorConstraint } from 'class-validator';
import type { Share } from '@backtrac/catalog';

/** smb://host[:port]/share[/path] or file:///absolute/path; credentials never go in the URL. */
@ValidatorConstraint({ name: 'shareUrl' })
export class ShareUrlConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (typeof value !== 'string') return false;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return false;
    }
    if (url.username || url.password || url.search || url.hash) return false;
    if (url.protocol === 'smb:') return url.hostname !== '' && url.pathname.split('/').filter(Boolean).length >= 1;
    if (url.protocol === 'file:') return url.hostname === '' && url.pathname.startsWith('/');
    return false;
  }
  defaultMessage(): string {
    return 'url must be smb://host[:port]/share[/path] or file:///absolute/path, without user, password, query or fragment';
  }
}

/** A hook name as agents accept it (libs/xmlrpc HOOK_NAME_PATTERN), or '' for none. */
export const SHARE_HOOK_PATTERN = /^(?:[A-Za-z0-9][A-Za-z0-9_.-]{0,63})?$/;
const hookMessage = (field: string) =>
  `${field} must be the name of a hook declared in the client's agent configuration (letters, digits, _ . -, at most 64), or empty; commands are declared on the client, never here`;

export class CreateShareDto {
  @ApiProperty({ example: 'documents' }) @IsString() @MinLength(1) @MaxLength(64) name!: string;
  @ApiProperty({ example: 'smb://ws-01.lan/Users/alice' }) @IsString() @MaxLength(2048) @Validate(ShareUrlConstraint) url!: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(256) username?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(256) domain?: string;
  @ApiPropertyOptional({ format: 'password', writeOnly: true, description: 'Write-only; never returned. Empty string clears it.' })
  @IsOptional() @IsString() @MaxLength(1024) password?: string;
  @ApiPropertyOptional({ type: [String], example: ['**/node_modules', '*.tmp'] })
  @IsOptional() @IsArray() @ArrayMaxSize(1000) @IsString({ each: true }) @MaxLength(1024, { each: true }) excludes?: string[];
  @ApiPropertyOptional({ example: 'db-dump', description: "Name of a pre-backup hook declared in the client's agent configuration; '' for none." })
  @IsOptional() @IsString() @Matches(SHARE_HOOK_PATTERN, { message: hookMessage('preHook') }) preHook?: string;
  @ApiPropertyOptional({ example: 'db-dump-cleanup', description: "Name of a post-backup hook declared in the client's agent configuration; '' for none." })
  @IsOptional() @IsString() @Matches(SHARE_HOOK_PATTERN, { message: hookMessage('postHook') }) postHook?: string;
}

export class UpdateShareDto extends PartialType(CreateShareDto) {}

export class ShareDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) clientId!: string;
  @ApiProperty() name!: string;
  @ApiProperty() url!: string;
  @ApiProperty() username!: string;
  @ApiProperty() domain!: string;
  @ApiProperty({ description: 'Whether a password is stored (the password itself is never returned)' }) hasPassword!: boolean;
  @ApiProperty({ type: [String] }) excludes!: string[];
  @ApiProperty({ description: "Name of the pre-backup hook in the client's agent configuration ('' none)" }) preHook!: string;
  @ApiProperty({ description: "Name of the post-backup hook in the client's agent configuration ('' none)" }) postHook!: string;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;

  static from(share: Share): ShareDto {
    const { id, clientId, name, url, username, domain, excludes, preHook, postHook, createdAt, updatedAt } = share;
    return { id, clientId, name, url, username, domain, hasPassword: share.passwordSealed !== null, excludes, preHook, postHook, createdAt, updatedAt };
  }
}
