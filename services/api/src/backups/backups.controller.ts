import { Body, Controller, HttpCode, Param, ParseUUIDPipe, Post, Req } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiConflictResponse, ApiNotFoundResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedRequest } from '../auth/session.guard.js';
import { BackupStartedDto, StartBackupDto } from './backup.dto.js';
import { BackupsService } from './backups.service.js';

@ApiTags('backups')
@Controller('clients/:id/backups')
export class BackupsController {
  constructor(private readonly backups: BackupsService) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({ summary: 'Start a backup of the client now' })
  @ApiAcceptedResponse({ type: BackupStartedDto })
  @ApiBadRequestResponse({ description: 'The client has no share' })
  @ApiNotFoundResponse({ description: 'No such client' })
  @ApiConflictResponse({ description: 'The client already has a run queued or running' })
  start(@Req() request: AuthenticatedRequest, @Param('id', ParseUUIDPipe) id: string, @Body() body: StartBackupDto): Promise<BackupStartedDto> {
    return this.backups.start(`user:${request.user.id}`, id, body.full ?? false);
  }
}
