import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedRequest } from '../auth/session.guard.js';
import { AgentDto, ApproveAgentDto, CreateEnrolmentTokenDto, EnrolmentTokenDto, EnrolmentTokenInfoDto } from './agent.dto.js';
import { AgentsService } from './agents.service.js';

@ApiTags('agents')
@Controller()
export class AgentsController {
  constructor(private readonly agents: AgentsService) {}

  @Post('clients/:id/enrolment-tokens')
  @ApiOperation({ summary: 'Issue a one-time enrolment token for an agent on this client' })
  @ApiCreatedResponse({ type: EnrolmentTokenDto })
  async issueToken(@Req() request: AuthenticatedRequest, @Param('id', ParseUUIDPipe) clientId: string, @Body() body: CreateEnrolmentTokenDto): Promise<EnrolmentTokenDto> {
    const issued = await this.agents.issueToken(request.user.id, clientId, body.ttlHours, body.requiresApproval ?? false);
    return EnrolmentTokenDto.from(issued, this.agents.gatewayUrl());
  }

  @Get('enrolment-tokens')
  @ApiOperation({ summary: 'Enrolment tokens, newest first (the tokens themselves are never shown again)' })
  @ApiQuery({ name: 'clientId', required: false, type: String })
  @ApiOkResponse({ type: [EnrolmentTokenInfoDto] })
  async listTokens(@Query('clientId', new ParseUUIDPipe({ optional: true })) clientId?: string): Promise<EnrolmentTokenInfoDto[]> {
    const now = new Date();
    return (await this.agents.listTokens(clientId)).map((token) => EnrolmentTokenInfoDto.from(token, now));
  }

  @Delete('enrolment-tokens/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke an unused enrolment token' })
  @ApiNoContentResponse()
  async revokeToken(@Req() request: AuthenticatedRequest, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.agents.revokeToken(`user:${request.user.id}`, id);
  }

  @Get('agents')
  @ApiOkResponse({ type: [AgentDto] })
  async list(): Promise<AgentDto[]> {
    return (await this.agents.list()).map(({ agent, online }) => AgentDto.from(agent, online));
  }

  @Post('agents/:id/approve')
  @HttpCode(200)
  @ApiOperation({ summary: 'Approve a pending agent (or move it to another client)' })
  @ApiOkResponse({ type: AgentDto })
  async approve(@Req() request: AuthenticatedRequest, @Param('id', ParseUUIDPipe) id: string, @Body() body: ApproveAgentDto): Promise<AgentDto> {
    const { agent, online } = await this.agents.approve(`user:${request.user.id}`, id, body.clientId);
    return AgentDto.from(agent, online);
  }

  @Post('agents/:id/revoke')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke an agent: its secret stops working and it is no longer used for backups' })
  @ApiOkResponse({ type: AgentDto })
  async revoke(@Req() request: AuthenticatedRequest, @Param('id', ParseUUIDPipe) id: string): Promise<AgentDto> {
    const { agent, online } = await this.agents.revoke(`user:${request.user.id}`, id);
    return AgentDto.from(agent, online);
  }
}
