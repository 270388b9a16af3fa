import { describe, expect, it } from 'vitest';
import { VideoDecodeError } from './errors';
import { parseProbeLog } from './probe';

const log = (stream: string, extra = '') => `Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'x.mp4':
  Duration: 00:01:02.50, start: 0.000000, bitrate: 27 kb/s
    Stream #0:0(und): Video: ${stream}
    Metadata:
      handler_name    : VideoHandler
${extra}Stream mapping:
frame=  900 fps=0.0 q=-1.0 size=N/A time=00:00:30.00
frame= 1873 fps=0.0 q=-1.0 Lsize=N/A time=00:01:02.46 bitrate=N/A speed=1e+04x
`;

describe('parseProbeLog (hand-written ffmpeg logs)', () => {
  it('reads NTSC rates as exact rationals, the last frame count and the duration', () => {
    const info = parseProbeLog(
      'x.mp4',
      log(
        'h264 (High) (avc1 / 0x31637661), yuv420p(tv, bt709, progressive), 1920x1080 [SAR 1:1 DAR 16:9], 4000 kb/s, 29.97 fps, 29.97 tbr, 30k tbn, 59.94 tbc (default)',
      ),
    );
    expect(info).toMatchObject({
      codec: 'h264',
      pixelFormat: 'yuv420p',
      width: 1920,
      height: 1080,
      frameCount: 1873,
      rotation: 0,
    });
    expect(info.fps).toBe(30000 / 1001);
    expect(info.duration).toBe(62.5);
  });

  it('takes rotation from the display matrix when there is no rotate tag (clockwise = -matrix angle)', () => {
    const info = parseProbeLog(
      'x.mp4',
      log(
        'hevc (Main), yuv420p10le(tv), 1280x720, 25 fps, 25 tbr, 90k tbn',
        '    Side data:\n      displaymatrix: rotation of -90.00 degrees\n',
      ),
    );
    expect(info).toMatchObject({
      rotation: 90,
      codedWidth: 1280,
      codedHeight: 720,
      width: 720,
      height: 1280,
      fps: 25,
    });
  });

  it('falls back to tbr when fps is missing', () => {
    expect(
      parseProbeLog('x.mp4', log('vp9 (Profile 0), yuv420p(tv), 640x360, SAR 1:1 DAR 16:9, 24 tbr, 1k tbn'))
        .fps,
    ).toBe(24);
  });

  it('zero frames and garbage logs are typed errors naming the file', () => {
    const zero = log('h264, yuv420p, 64x48, 25 fps').replace(/frame=\s*\d+/g, 'frame=    0');
    expect(() => parseProbeLog('z.avi', zero)).toThrow(VideoDecodeError);
    expect(() => parseProbeLog('z.avi', zero)).toThrow(/z\.avi: video stream has zero frames/);
    expect(() => parseProbeLog('g.mp4', 'g.mp4: Invalid data found when processing input')).toThrow(
      /g\.mp4: not a readable video/,
    );
  });
});
