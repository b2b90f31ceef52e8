/** vpe and vlib requests: version, time, CLI. */
import { runCli } from '../cli.ts';
import { RV } from '../retval.ts';
import { text, type HandlerSet } from './types.ts';

export const vpeHandlers: HandlerSet = {
  dump: {},
  unary: {
    show_version(_req, { state }) {
      const s = state.system;
      return {
        retval: RV.OK,
        program: s.program,
        version: s.version,
        build_date: s.buildDate,
        build_directory: s.buildDirectory,
      };
    },

    show_vpe_system_time() {
      // vl_api_timestamp_t: seconds since the epoch
      return { retval: RV.OK, vpe_system_time: Date.now() / 1000 };
    },

    cli_inband(req, { state }) {
      const { retval, output } = runCli(text(req.cmd), state);
      return { retval, reply: output };
    },
  },
};
