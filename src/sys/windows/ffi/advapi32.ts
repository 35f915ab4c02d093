// advapi32.dll: the security calls behind a named pipe restricted to the current user (the SID
// of this process's token, written into an SDDL string and converted to a security descriptor).
import { bindLibrary, loadKoffi } from './koffi-loader.js';
import { SDDL_REVISION_1, TOKEN_QUERY, TOKEN_USER_CLASS } from './constants.js';
import { closeHandle, getLastError, localFree, kernel32 as kernel32Functions } from './kernel32.js';
import { NativeMemory } from './native-memory.js';
import { TOKEN_USER } from './structs.js';
import { win32Error } from './win-error.js';

export const advapi32 = bindLibrary('advapi32.dll', {
  OpenProcessToken: 'int __stdcall OpenProcessToken(void *ProcessHandle, uint32_t DesiredAccess, void *TokenHandle)',
  GetTokenInformation:
    'int __stdcall GetTokenInformation(void *TokenHandle, int TokenInformationClass, void *TokenInformation, uint32_t TokenInformationLength, _Out_ uint32_t *ReturnLength)',
  ConvertSidToStringSidW: 'int __stdcall ConvertSidToStringSidW(void *Sid, void *StringSid)',
  ConvertStringSecurityDescriptorToSecurityDescriptorW:
    'int __stdcall ConvertStringSecurityDescriptorToSecurityDescriptorW(str16 StringSecurityDescriptor, uint32_t StringSDRevision, void *SecurityDescriptor, void *SecurityDescriptorSize)',
});

function fail(syscall: string): never {
  throw win32Error(syscall, getLastError());
}

let currentSid: string | undefined;

/** The string SID ("S-1-5-21-...") of the user this process runs as; computed once. */
export function currentUserSid(): string {
  if (currentSid !== undefined) return currentSid;
  const out = Buffer.alloc(8);
  if ((advapi32().OpenProcessToken(kernel32Functions().GetCurrentProcess(), TOKEN_QUERY, out) as number) === 0) fail('OpenProcessToken');
  const token = out.readBigUInt64LE(0);
  try {
    const needed: number[] = [0];
    // The first call only asks how big TOKEN_USER (with the SID after it) is.
    advapi32().GetTokenInformation(token, TOKEN_USER_CLASS, null, 0, needed);
    const size = needed[0] ?? 0;
    if (size === 0) fail('GetTokenInformation');
    const info = new NativeMemory(size);
    try {
      if ((advapi32().GetTokenInformation(token, TOKEN_USER_CLASS, info.address, size, needed) as number) === 0) fail('GetTokenInformation');
      out.writeBigUInt64LE(0n, 0);
      if ((advapi32().ConvertSidToStringSidW(info.u64(TOKEN_USER.sid), out) as number) === 0) fail('ConvertSidToStringSidW');
      const text = out.readBigUInt64LE(0);
      try {
        currentSid = loadKoffi().decode.string16(text);
      } finally {
        localFree(text);
      }
    } finally {
      info.free();
    }
  } finally {
    closeHandle(token);
  }
  return currentSid;
}

/** A self-relative security descriptor from SDDL; release it with localFree(). */
export function securityDescriptorFromSddl(sddl: string): bigint {
  const out = Buffer.alloc(8);
  if ((advapi32().ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl, SDDL_REVISION_1, out, null) as number) === 0) {
    fail('ConvertStringSecurityDescriptorToSecurityDescriptorW');
  }
  return out.readBigUInt64LE(0);
}
