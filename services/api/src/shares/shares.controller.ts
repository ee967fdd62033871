import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedRequest } from '../auth/session.guard.js';
import { CreateShareDto, ShareDto, UpdateShareDto } from './share.dto.js';
import { SharesService } from './shares.service.js';

@ApiTags('shares')
@Controller()
export class SharesController {
  constructor(private readonly shares: SharesService) {}

  @Get('clients/:clientId/shares')
  @ApiOkResponse({ type: [ShareDto] })
  async list(@Param('clientId', ParseUUIDPipe) clientId: string): Promise<ShareDto[]> {
    return (await this.shares.listForClient(clientId)).map(ShareDto.from);
  }

  @Post('clients/:clientId/shares')
  @ApiCreatedResponse({ type: ShareDto })
  async create(@Req() request: AuthenticatedRequest, @Param('clientId', ParseUUIDPipe) clientId: string, @Body() body: CreateShareDto): Promise<ShareDto> {
    return ShareDto.from(await this.shares.create(request.user, clientId, body));
  }

  @Get('shares/:id')
  @ApiOkResponse({ type: ShareDto })
  async get(@Param('id', ParseUUIDPipe) id: string): Promise<ShareDto> {
    return ShareDto.from(await this.shares.get(id));
  }

  @Patch('shares/:id')
  @ApiOkResponse({ type: ShareDto })
  async update(@Req() request: AuthenticatedRequest, @Param('id', ParseUUIDPipe) id: string, @Body() body: UpdateShareDto): Promise<ShareDto> {
    return ShareDto.from(await this.shares.update(request.user, id, body));
  }

  @Delete('shares/:id')
  @HttpCode(204)
  async remove(@Req() request: AuthenticatedRequest, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.shares.remove(`user:${request.user.id}`, id);
  }
}
