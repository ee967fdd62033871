import { Body, Controller, Get, HttpCode, Post, Put, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedRequest } from '../auth/session.guard.js';
import { AlertSettingsDto, TestAlertResultDto, UpdateAlertSettingsDto } from './alert-settings.dto.js';
import { AlertSettingsService } from './alert-settings.service.js';

@ApiTags('alerts')
@Controller('alert-settings')
export class AlertSettingsController {
  constructor(private readonly alerts: AlertSettingsService) {}

  @Get()
  @ApiOperation({ summary: 'Alert channels and thresholds (secrets are reported only as set or not)' })
  @ApiOkResponse({ type: AlertSettingsDto })
  get(): Promise<AlertSettingsDto> {
    return this.alerts.get();
  }

  @Put()
  @ApiOperation({ summary: 'Change alert settings; fields left out stay as they are, secrets are write-only' })
  @ApiOkResponse({ type: AlertSettingsDto })
  update(@Req() request: AuthenticatedRequest, @Body() body: UpdateAlertSettingsDto): Promise<AlertSettingsDto> {
    return this.alerts.update(`user:${request.user.id}`, body);
  }

  @Post('test')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send a test alert through every configured channel and report each one' })
  @ApiOkResponse({ type: TestAlertResultDto })
  test(@Req() request: AuthenticatedRequest): Promise<TestAlertResultDto> {
    return this.alerts.sendTest(request.user);
  }
}
