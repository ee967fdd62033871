import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedRequest } from '../auth/session.guard.js';
import { CreateRetentionPolicyDto, RetentionPolicyDto, UpdateRetentionPolicyDto } from './retention-policy.dto.js';
import { RetentionPoliciesService } from './retention-policies.service.js';
import { DryRunQueryDto, RetentionDryRunDto } from './retention-dry-run.dto.js';
import { RetentionDryRunService } from './retention-dry-run.service.js';

@ApiTags('retention-policies')
@Controller('retention-policies')
export class RetentionPoliciesController {
  constructor(
    private readonly policies: RetentionPoliciesService,
    private readonly dryRuns: RetentionDryRunService,
  ) {}

  @Get()
  @ApiOkResponse({ type: [RetentionPolicyDto] })
  async list(): Promise<RetentionPolicyDto[]> {
    return (await this.policies.list()).map(RetentionPolicyDto.from);
  }

  @Post()
  @ApiCreatedResponse({ type: RetentionPolicyDto })
  async create(@Req() request: AuthenticatedRequest, @Body() body: CreateRetentionPolicyDto): Promise<RetentionPolicyDto> {
    return RetentionPolicyDto.from(await this.policies.create(`user:${request.user.id}`, body));
  }

  @Get(':id')
  @ApiOkResponse({ type: RetentionPolicyDto })
  async get(@Param('id', ParseUUIDPipe) id: string): Promise<RetentionPolicyDto> {
    return RetentionPolicyDto.from(await this.policies.get(id));
  }

  @Get(':id/dry-run')
  @ApiOperation({ summary: 'Which snapshots of a client this policy would keep and delete now, with the reasons (nothing is deleted)' })
  @ApiOkResponse({ type: RetentionDryRunDto })
  async dryRun(@Param('id', ParseUUIDPipe) id: string, @Query() query: DryRunQueryDto): Promise<RetentionDryRunDto> {
    return this.dryRuns.dryRun(id, query.clientId);
  }

  @Patch(':id')
  @ApiOkResponse({ type: RetentionPolicyDto })
  async update(@Req() request: AuthenticatedRequest, @Param('id', ParseUUIDPipe) id: string, @Body() body: UpdateRetentionPolicyDto): Promise<RetentionPolicyDto> {
    return RetentionPolicyDto.from(await this.policies.update(`user:${request.user.id}`, id, body));
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Req() request: AuthenticatedRequest, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.policies.remove(`user:${request.user.id}`, id);
  }
}
