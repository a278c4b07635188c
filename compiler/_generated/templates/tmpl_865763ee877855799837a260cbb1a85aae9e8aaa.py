from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = '_facts.sh.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_agent = resolve('agent')
    l_0_declaration_sha256 = resolve('declaration_sha256')
    l_0_version = resolve('version')
    l_0_logs = resolve('logs')
    l_0_machine = resolve('machine')
    l_0_provenance = resolve('provenance')
    l_0_load_hint = resolve('load_hint')
    try:
        t_1 = environment.filters['comment']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'comment' found.")
    try:
        t_2 = environment.filters['sh']
    except KeyError:
        @internalcode
        def t_2(*unused):
            raise TemplateRuntimeError("No filter named 'sh' found.")
    try:
        t_3 = environment.filters['sh_home']
    except KeyError:
        @internalcode
        def t_3(*unused):
            raise TemplateRuntimeError("No filter named 'sh_home' found.")
    pass
    yield '# shellcheck disable=SC2034,SC2016,SC2088,SC1003  # facts: read by the library above; literal values\nset -u\numask 022\n\n# --- facts: agent '
    yield str(t_1(context, environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'name'), 'name'))
    yield ' as declared ---------------------------------\nAGENT='
    yield str(t_2(context, environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'name'), 'name'))
    yield '\nLABEL='
    yield str(t_2(context, environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'label'), 'label'))
    yield '\nSCOPE='
    yield str(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'scope'))
    yield '\nENABLED='
    yield str(('yes' if environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'enable') else 'no'))
    yield '\nRUN_AT_LOAD='
    yield str(('yes' if environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'lifecycle'), 'run_at_load') else 'no'))
    yield '\nRUNTIME='
    yield str(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'runtime'))
    yield '\nKEEPALIVE_WAIVED='
    yield str(('yes' if ('unbounded-keepalive' in environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'waivers')) else 'no'))
    yield '\nDECLARATION_SHA256='
    yield str(t_2(context, (undefined(name='declaration_sha256') if l_0_declaration_sha256 is missing else l_0_declaration_sha256), 'declaration'))
    yield '\nAGENTC_VERSION='
    yield str(t_2(context, (undefined(name='version') if l_0_version is missing else l_0_version), 'version'))
    yield '\nSTARTUP_TIMEOUT='
    yield str(environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'lifecycle'), 'startup_timeout_seconds'))
    yield '\nHEALTH_TYPE='
    yield str(environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'health'), 'type'))
    yield '\nHEALTH_COMMAND='
    yield str(t_2(context, ((environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'health'), 'command') if context.call(environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'health'), 'given'), 'command') else '') or ''), 'health.command'))
    yield '\nOWNER_PROJECT='
    yield str(t_2(context, environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'owner'), 'project'), 'owner.project'))
    yield '\nOWNER_COMPONENT='
    yield str(t_2(context, environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'owner'), 'component'), 'owner.component'))
    yield '\nOWNER_CONTACT='
    yield str(t_2(context, environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'owner'), 'contact'), 'owner.contact'))
    yield '\nINSTALL_LAUNCHD_DIR='
    yield str(t_3(context, (environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'install'), 'launchd_dir') or ''), 'install.launchdDir'))
    yield '\nINSTALL_SYSTEMD_DIR='
    yield str(t_3(context, (environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'install'), 'systemd_dir') or ''), 'install.systemdDir'))
    yield '\nLOG_APP_LAUNCHD='
    yield str(t_3(context, environment.getattr(environment.getattr((undefined(name='logs') if l_0_logs is missing else l_0_logs), 'launchd'), 'app'), 'logs.app'))
    yield '\nLOG_OUT_LAUNCHD='
    yield str(t_3(context, environment.getattr(environment.getattr((undefined(name='logs') if l_0_logs is missing else l_0_logs), 'launchd'), 'stdout'), 'logs.stdout'))
    yield '\nLOG_ERR_LAUNCHD='
    yield str(t_3(context, environment.getattr(environment.getattr((undefined(name='logs') if l_0_logs is missing else l_0_logs), 'launchd'), 'stderr'), 'logs.stderr'))
    yield '\nLOG_APP_SYSTEMD='
    yield str(t_3(context, environment.getattr(environment.getattr((undefined(name='logs') if l_0_logs is missing else l_0_logs), 'systemd'), 'app'), 'logs.app'))
    yield '\nLOG_OUT_SYSTEMD='
    yield str(t_3(context, environment.getattr(environment.getattr((undefined(name='logs') if l_0_logs is missing else l_0_logs), 'systemd'), 'stdout'), 'logs.stdout'))
    yield '\nLOG_ERR_SYSTEMD='
    yield str(t_3(context, environment.getattr(environment.getattr((undefined(name='logs') if l_0_logs is missing else l_0_logs), 'systemd'), 'stderr'), 'logs.stderr'))
    yield '\nCAPTURE_RUNTIME_STATE='
    yield str(('yes' if environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'quarantine'), 'capture_runtime_state') else 'no'))
    yield '\nCAPTURE_IMAGE_METADATA='
    yield str(('yes' if environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'quarantine'), 'capture_image_metadata') else 'no'))
    yield '\nCAPTURE_SERVICE_DEFINITION='
    yield str(('yes' if environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'quarantine'), 'capture_service_definition') else 'no'))
    yield '\nCAPTURE_LOGS='
    yield str(('yes' if environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'quarantine'), 'capture_logs') else 'no'))
    yield '\nCAPTURE_REDACTED_AUTH_CONFIG='
    yield str(('yes' if environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'quarantine'), 'capture_redacted_auth_config') else 'no'))
    yield '\n'
    if (environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'runtime') == 'podman'):
        pass
        yield 'IMAGE='
        yield str(t_2(context, environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'image'), 'image'))
        yield '\nSOURCE_IMAGE='
        yield str(t_2(context, (environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'source_image') or ''), 'sourceImage'))
        yield '\nCONTAINER='
        yield str(t_2(context, environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'container_name'), 'containerName'))
        yield '\nCONNECTION_LAUNCHD='
        yield str(t_2(context, (environment.getattr(environment.getattr((undefined(name='machine') if l_0_machine is missing else l_0_machine), 'launchd'), 'connection') or ''), 'podman.connection'))
        yield '\nCONNECTION_SYSTEMD='
        yield str(t_2(context, (environment.getattr(environment.getattr((undefined(name='machine') if l_0_machine is missing else l_0_machine), 'systemd'), 'connection') or ''), 'podman.connection'))
        yield '\nPULL='
        yield str(environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'podman'), 'pull'))
        yield '\nREQUIRE_MACHINE_LAUNCHD='
        yield str(('yes' if environment.getattr(environment.getattr((undefined(name='machine') if l_0_machine is missing else l_0_machine), 'launchd'), 'require_machine') else 'no'))
        yield '\nREQUIRE_MACHINE_SYSTEMD='
        yield str(('yes' if environment.getattr(environment.getattr((undefined(name='machine') if l_0_machine is missing else l_0_machine), 'systemd'), 'require_machine') else 'no'))
        yield '\nREQUIRE_LOCAL_IMAGE='
        yield str(('yes' if environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'podman'), 'require_local_image') else 'no'))
        yield '\nAUTH_MODE='
        yield str(environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'auth'), 'mode'))
        yield '\nPULL_AUTH='
        yield str(environment.getattr((undefined(name='provenance') if l_0_provenance is missing else l_0_provenance), 'pullAuth'))
        yield '\nAUTHFILE_DECLARED='
        yield str(t_3(context, (environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'auth'), 'authfile') or ''), 'auth.authfile'))
        yield '\nALLOW_AMBIENT='
        yield str(('yes' if environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'auth'), 'allow_ambient_docker_config') else 'no'))
        yield '\nLOAD_HINT='
        yield str(t_2(context, (undefined(name='load_hint') if l_0_load_hint is missing else l_0_load_hint), 'image'))
        yield "\nPROGRAM=''\n"
    else:
        pass
        yield "IMAGE=''\nSOURCE_IMAGE=''\nCONTAINER=''\nCONNECTION_LAUNCHD=''\nCONNECTION_SYSTEMD=''\nPULL=''\nREQUIRE_MACHINE_LAUNCHD=no\nREQUIRE_MACHINE_SYSTEMD=no\nREQUIRE_LOCAL_IMAGE=no\nAUTH_MODE=''\nPULL_AUTH=''\nAUTHFILE_DECLARED=''\nALLOW_AMBIENT=no\nLOAD_HINT=''\nPROGRAM="
        yield str(t_3(context, environment.getitem(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'command'), 0), 'command'))
        yield '\n'

blocks = {}
debug_info = '7=37&8=39&9=41&10=43&11=45&12=47&13=49&14=51&15=53&16=55&17=57&18=59&19=61&20=63&21=65&22=67&23=69&24=71&25=73&26=75&27=77&28=79&29=81&30=83&31=85&32=87&33=89&34=91&35=93&36=95&37=98&38=100&39=102&40=104&41=106&42=108&43=110&44=112&45=114&46=116&47=118&48=120&49=122&50=124&67=129'