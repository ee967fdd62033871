import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import type { Agent, EnrolmentToken, IssuedEnrolmentToken } from '@backtrac/catalog';

export class CreateEnrolmentTokenDto {
  @ApiPropertyOptional({ description: 'Hours until the token expires (default 24, at most 168: seven days)', minimum: 1, maximum: 168, default: 24 })
  @IsOptional() @IsInt() @Min(1) @Max(168, { message: 'ttlHours must not be greater than 168 (an enrolment token lives at most 7 days)' })
  ttlHours?: number;
  @ApiPropertyOptional({ description: 'The agent enrolling with this token waits for an admin to approve it', default: false })
  @IsOptional() @IsBoolean() requiresApproval?: boolean;
}

export class EnrolmentTokenInfoDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) clientId!: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) createdBy!: string | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() expiresAt!: Date;
  @ApiProperty({ nullable: true, type: Date }) usedAt!: Date | null;
  @ApiProperty() requiresApproval!: boolean;
  @ApiProperty({ enum: ['unused', 'used', 'expired'] }) state!: 'unused' | 'used' | 'expired';

  static from(token: EnrolmentToken, now = new Date()): EnrolmentTokenInfoDto {
    const { id, clientId, createdBy, createdAt, expiresAt, usedAt, requiresApproval } = token;
    const state = usedAt !== null ? 'used' : expiresAt.getTime() <= now.getTime() ? 'expired' : 'unused';
    return { id, clientId, createdBy, createdAt, expiresAt, usedAt, requiresApproval, state };
  }
}

export class EnrolmentTokenDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'The one-time token; shown only in this answer (the server keeps its SHA-256)' }) token!: string;
  @ApiProperty({ format: 'uuid' }) clientId!: string;
  @ApiProperty() expiresAt!: Date;
  @ApiProperty() requiresApproval!: boolean;
  @ApiProperty({ example: 'backtrac-agent enroll --server https://backup.example.com:9090/RPC2 --token …', description: 'Command to run on the client' })
  command!: string;

  static from(issued: IssuedEnrolmentToken, serverUrl: string): EnrolmentTokenDto {
    return { id: issued.id, token: issued.token, clientId: issued.clientId, expiresAt: issued.expiresAt, requiresApproval: issued.requiresApproval, command: `backtrac-agent enroll --server ${serverUrl} --token ${issued.token}` };
  }
}

export class ApproveAgentDto {
  @ApiProperty({ format: 'uuid', description: 'Client the agent belongs to' })
  @IsUUID()
  clientId!: string;
}

export class AgentDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) clientId!: string | null;
  @ApiProperty() hostname!: string;
  @ApiProperty() os!: string;
  @ApiProperty() version!: string;
  @ApiProperty({ enum: ['pending', 'approved', 'revoked'] }) status!: 'pending' | 'approved' | 'revoked';
  @ApiProperty({ description: 'A heartbeat arrived within the last three heartbeat intervals' }) online!: boolean;
  @ApiProperty({ nullable: true, type: Date }) lastHeartbeatAt!: Date | null;
  @ApiProperty({ nullable: true, type: String }) lastAddress!: string | null;
  @ApiProperty({ nullable: true, type: String }) callbackUrl!: string | null;
  @ApiProperty({ description: 'The agent reports a continuous change journal (incrementals can skip the walk)' }) journal!: boolean;
  @ApiProperty() enrolledAt!: Date;

  static from(agent: Agent, online: boolean): AgentDto {
    const { id, clientId, hostname, os, version, status, lastHeartbeatAt, lastAddress, callbackUrl, enrolledAt } = agent;
    return { id, clientId, hostname, os, version, status, online, lastHeartbeatAt, lastAddress, callbackUrl, journal: agent.journalEpoch !== null, enrolledAt };
  }
}
